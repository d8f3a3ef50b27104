package io.loopwire.cluster;

import io.loopwire.Reactor;
import io.loopwire.relay.ChatRoom;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Remote lines on their way into the loop. jnats' dispatcher thread queues them; one task handed to the loop with
 * {@code execute} delivers a batch of up to {@link #MAX_LINES_PER_TURN} (one task for many lines, never one per
 * line), and hands itself over again if more are waiting, so a flood from NATS cannot starve local I/O.
 *
 * <p>Bounded: beyond {@code capacity} lines waiting, new ones are dropped and counted
 * ({@link ClusterStats#droppedInboxFull}); the loop is then too far behind for them to matter.
 *
 * @implNote {@link #offer} from one producer thread (jnats' dispatcher); {@code drain} runs on the loop.
 */
final class Inbox {
    static final int MAX_LINES_PER_TURN = 1024;

    private final Reactor reactor;
    private final ChatRoom room;
    private final int capacity;
    private final ClusterStats stats;
    private final Queue<byte[]> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;

    Inbox(Reactor reactor, ChatRoom room, int capacity, ClusterStats stats) {
        this.reactor = reactor;
        this.room = room;
        this.capacity = capacity;
        this.stats = stats;
    }

    void offer(byte[] line) {
        if (waiting.get() >= capacity) {
            stats.droppedInboxFull.incrementAndGet();
            return;
        }
        queue.add(line);
        waiting.incrementAndGet();
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                reactor.execute(drain);
            } catch (RejectedExecutionException e) {
                // The reactor is closing: nobody is left to deliver to.
            }
        }
    }

    private void drain() {
        assert reactor.inLoop() : "inbox drained off the loop thread";
        scheduled.set(false); // lines queued from now on schedule another drain
        for (int i = 0; i < MAX_LINES_PER_TURN; i++) {
            byte[] line = queue.poll();
            if (line == null) {
                return;
            }
            waiting.decrementAndGet();
            room.deliverForeign(ByteBuffer.wrap(line));
            stats.delivered.incrementAndGet();
        }
        if (!queue.isEmpty()) {
            schedule();
        }
    }
}
