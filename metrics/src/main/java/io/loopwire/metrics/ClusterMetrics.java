package io.loopwire.metrics;

import io.loopwire.cluster.ClusterStats;
import io.loopwire.cluster.NatsRoomBridge;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * One {@link NatsRoomBridge}, tagged {@code room=<subject>}: lines published, received and delivered, lines dropped
 * by reason ({@code loopwire_cluster_dropped_total{direction, reason}}), and the bytes held for NATS and for the
 * loops now. Needs {@code loopwire-cluster} on the class path (an optional dependency of this module).
 *
 * @implNote Thread-safe. The bridge's counters are atomics written by its own threads: read directly, not through
 *     the loop, so they are as fresh as the scrape.
 */
public final class ClusterMetrics implements MeterBinder {
    private final NatsRoomBridge bridge;

    public ClusterMetrics(NatsRoomBridge bridge) {
        this.bridge = bridge;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        ClusterStats s = bridge.stats();
        Tags tags = Tags.of("room", bridge.subject());
        counter(registry, "loopwire.cluster.published", "Local lines handed to NATS", tags, ClusterStats::published);
        counter(registry, "loopwire.cluster.received", "Lines received from other nodes", tags,
                ClusterStats::received);
        counter(registry, "loopwire.cluster.delivered", "Remote lines delivered to local members", tags,
                ClusterStats::delivered);
        counter(registry, "loopwire.cluster.gaps", "Remote lines that never arrived (holes in sequences)", tags,
                ClusterStats::gaps);
        String dropped = "Lines the bridge dropped, by direction and reason";
        drop(registry, dropped, tags, "out", "outbox_full", ClusterStats::droppedOutboxFull);
        drop(registry, dropped, tags, "out", "disconnected", ClusterStats::droppedDisconnected);
        drop(registry, dropped, tags, "out", "too_large", ClusterStats::droppedTooLarge);
        drop(registry, dropped, tags, "out", "failed", ClusterStats::publishFailures);
        drop(registry, dropped, tags, "in", "duplicate", ClusterStats::duplicates);
        drop(registry, dropped, tags, "in", "malformed", ClusterStats::malformed);
        drop(registry, dropped, tags, "in", "suspect", ClusterStats::suspect);
        drop(registry, dropped, tags, "in", "bad_signature", ClusterStats::badSignature);
        drop(registry, dropped, tags, "in", "stale", ClusterStats::stale);
        drop(registry, dropped, tags, "in", "too_long", ClusterStats::droppedTooLong);
        drop(registry, dropped, tags, "in", "inbox_full", ClusterStats::droppedInboxFull);
        drop(registry, dropped, tags, "in", "nats_pending", ClusterStats::droppedByNats);
        Gauge.builder("loopwire.cluster.outbox", s, ClusterStats::outboxBytes)
                .description("Bytes of local lines waiting for NATS now").baseUnit("bytes").tags(tags)
                .register(registry);
        Gauge.builder("loopwire.cluster.inbox", s, ClusterStats::inboxBytes)
                .description("Bytes of remote lines waiting for the loops now").baseUnit("bytes").tags(tags)
                .register(registry);
        Gauge.builder("loopwire.cluster.connected", bridge, b -> b.isConnected() ? 1 : 0)
                .description("1 while the connection to NATS is up").tags(tags).register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, Tags tags,
            ToDoubleFunction<ClusterStats> read) {
        FunctionCounter.builder(name, bridge.stats(), read).description(description).tags(tags).register(registry);
    }

    private void drop(MeterRegistry registry, String description, Tags tags, String direction, String reason,
            ToDoubleFunction<ClusterStats> read) {
        FunctionCounter.builder("loopwire.cluster.dropped", bridge.stats(), read).description(description)
                .tags(tags.and("direction", direction, "reason", reason)).register(registry);
    }
}
