package io.loopwire.cluster;

import io.loopwire.Reactor;
import io.loopwire.relay.ChatRoom;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remote lines on their way into one loop. jnats' dispatcher thread queues them; a drain task on the loop delivers at
 * most one share per turn ({@link #MAX_LINES_PER_TURN} lines or {@link #MAX_BYTES_PER_TURN} bytes), however many
 * drains the turn runs, and, if more wait, comes back the next turn through a zero-delay timer (a task handed over
 * with {@code execute} could run again within the same turn), so a flood from NATS takes a bounded slice of each turn
 * and local I/O keeps its own.
 *
 * <p>Bounded in lines and in bytes: beyond {@code maxLines} lines or {@code maxBytes} bytes waiting, new lines are
 * dropped and counted ({@link ClusterStats#droppedInboxFull}); the loop is then too far behind for them to matter.
 *
 * @implNote {@link #offer} from one producer thread (jnats' dispatcher); {@code drain} runs on the loop.
 */
final class Inbox {
    static final int MAX_LINES_PER_TURN = 64;
    static final int MAX_BYTES_PER_TURN = 64 * 1024;

    private final Reactor reactor;
    private final ChatRoom room;
    private final int maxLines;
    private final long maxBytes;
    private final ClusterStats stats;
    private final Queue<byte[]> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waitingLines = new AtomicInteger();
    private final AtomicLong waitingBytes = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;
    /** The turn of the last drain and what it delivered: a drain handed over again in the same turn shares it. */
    private long shareTurn = -1;
    private int shareLines;
    private int shareBytes;

    Inbox(Reactor reactor, ChatRoom room, int maxLines, long maxBytes, ClusterStats stats) {
        this.reactor = reactor;
        this.room = room;
        this.maxLines = maxLines;
        this.maxBytes = maxBytes;
        this.stats = stats;
    }

    void offer(byte[] line) {
        // One producer: the checks and the additions below cannot race with another offer, only with drains,
        // which only make room.
        if (waitingLines.get() >= maxLines || waitingBytes.get() + line.length > maxBytes) {
            stats.droppedInboxFull.incrementAndGet();
            return;
        }
        waitingLines.incrementAndGet();
        waitingBytes.addAndGet(line.length);
        stats.inboxBytes.addAndGet(line.length);
        queue.add(line);
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
        long turn = reactor.currentTurn();
        if (turn != shareTurn) {
            shareTurn = turn;
            shareLines = 0;
            shareBytes = 0;
        }
        // The share is per turn, not per drain: a drain that emptied the queue can be handed over again by the next
        // offer and run in the same turn's task phase.
        while (shareLines < MAX_LINES_PER_TURN && shareBytes < MAX_BYTES_PER_TURN) {
            byte[] line = queue.poll();
            if (line == null) {
                break;
            }
            waitingLines.decrementAndGet();
            waitingBytes.addAndGet(-line.length);
            stats.inboxBytes.addAndGet(-line.length);
            shareLines++;
            shareBytes += line.length;
            room.deliverForeign(ByteBuffer.wrap(line));
            stats.delivered.incrementAndGet();
        }
        if (queue.isEmpty()) {
            scheduled.set(false);
            // A line queued between the poll above and the flag would wait for the next one: look once more.
            if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
                return;
            }
        }
        try {
            reactor.schedule(Duration.ZERO, drain); // the next turn, after its I/O
        } catch (RejectedExecutionException e) {
            // closing
        }
    }
}
