package io.loopwire.metrics;

import io.loopwire.relay.GroupRoom;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The hand-over between the loops of a {@link GroupRoom}, per receiving or sending loop ({@code loop="<i>"}):
 * whether the loop is stalled ({@code loopwire_group_stalled}, 1 or 0), lines dropped for it while stalled, times it
 * was declared stalled, and times it stopped reading because a window to another loop was full.
 *
 * @implNote Thread-safe: the room's counters are thread-safe snapshots, read without a task on the loops (a stalled
 *     loop could not run one).
 */
public final class GroupRoomMetrics implements MeterBinder {
    private final GroupRoom room;

    public GroupRoomMetrics(GroupRoom room) {
        this.room = room;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (int i = 0; i < room.loops(); i++) {
            final int loop = i;
            Tags tags = Tags.of("loop", Integer.toString(loop));
            Gauge.builder("loopwire.group.stalled", room, r -> r.isStalled(loop) ? 1 : 0)
                    .description("1 while the loop is stalled: it took no lines for the stall timeout while another"
                            + " loop waited, and lines for it are dropped").tags(tags).strongReference(true)
                    .register(registry);
            FunctionCounter.builder("loopwire.group.lines.dropped", room, r -> r.linesDropped(loop))
                    .description("Lines for the loop dropped while it was stalled").tags(tags).register(registry);
            FunctionCounter.builder("loopwire.group.stalls", room, r -> r.stalls(loop))
                    .description("Times the loop was declared stalled").tags(tags).register(registry);
            FunctionCounter.builder("loopwire.group.input.holds", room, r -> r.inputHolds(loop))
                    .description("Times the loop stopped reading its sockets: a window to another loop was full")
                    .tags(tags).register(registry);
        }
    }
}
