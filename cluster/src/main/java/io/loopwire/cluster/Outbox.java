package io.loopwire.cluster;

import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local lines on their way to NATS: a queue filled by the loop and emptied by one publisher thread, so a slow or
 * absent NATS server never blocks the loop.
 *
 * <p>Bounds: everything held for NATS stays within {@code maxBytes} (and {@code maxLines}). Half of the bytes are for
 * this queue; the other half for jnats' own outgoing queue, which the publisher feeds only while
 * {@link Connection#outgoingPendingBytes} leaves room (it waits, on its own thread, while NATS is slow). When this
 * queue is full the loop drops the line and counts it ({@link ClusterStats#droppedOutboxFull}); while the connection
 * is down the publisher drops what it takes ({@link ClusterStats#droppedDisconnected}), so stale chat is not replayed
 * minutes later when NATS returns.
 *
 * <p>Nothing stops the publisher: a line over the server's {@code max_payload} is dropped
 * ({@link ClusterStats#droppedTooLarge}), any other failure is counted ({@link ClusterStats#publishFailures}), both
 * logged at most once per {@link RareLog#EVERY}, and the next line goes out.
 *
 * <p>The sequence number is given here, at publish time, by the one publisher thread: sequences then follow publish
 * order whatever thread queued the line, and a hole seen by a receiver means a line lost after it left this node.
 *
 * @implNote {@link #offer} from any thread (the loop); the rest runs on the publisher thread, except {@link #close}.
 */
final class Outbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    /** How often the publisher looks again at a jnats queue that had no room (its own thread; NATS is slow then). */
    private static final long ROOM_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    /** A line waiting to be published. */
    record Line(Envelope.Kind kind, String sender, byte[] body) {
    }

    private final Connection connection;
    private final String subject;
    private final String node;
    private final String incarnation;
    private final Signer signer;
    private final ClusterStats stats;
    private final BlockingQueue<Line> queue;
    private final long queueBudgetBytes;
    private final long natsBudgetBytes;
    private final Thread thread;
    private volatile boolean running = true;
    private long seq;

    /**
     * @param key null to publish unsigned
     */
    Outbox(Connection connection, String subject, String node, String incarnation, ClusterKey key, int maxLines,
            long maxBytes, ClusterStats stats) {
        this.connection = connection;
        this.subject = subject;
        this.node = node;
        this.incarnation = incarnation;
        this.signer = key == null ? null : new Signer(key);
        this.stats = stats;
        this.queue = new ArrayBlockingQueue<>(maxLines);
        this.queueBudgetBytes = maxBytes - natsShare(maxBytes);
        this.natsBudgetBytes = natsShare(maxBytes);
        this.thread = new Thread(this::run, "loopwire-nats-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    /** The part of the outbound bytes left to jnats' own queue (half). */
    static long natsShare(long maxBytes) {
        return maxBytes / 2;
    }

    /** Queues a line, or drops and counts it if the queue is full (lines or bytes) or closed. Never blocks. */
    void offer(Line line) {
        int size = line.body().length;
        if (!running) {
            stats.droppedOutboxFull.incrementAndGet();
            return;
        }
        if (stats.outboxBytes.addAndGet(size) > queueBudgetBytes) {
            stats.outboxBytes.addAndGet(-size);
            stats.droppedOutboxFull.incrementAndGet();
            return;
        }
        if (!queue.offer(line)) {
            stats.outboxBytes.addAndGet(-size);
            stats.droppedOutboxFull.incrementAndGet();
        }
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            Line line;
            try {
                line = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return; // close() gave up waiting
            }
            if (line == null) {
                continue;
            }
            try {
                publish(line);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | LinkageError | AssertionError e) {
                // Whatever jnats or we got wrong with this line, the next one still goes out.
                RareLog.warn(log, stats.publishFailures.incrementAndGet(), "a line was not published", e.toString());
            } finally {
                stats.outboxBytes.addAndGet(-line.body().length);
            }
        }
    }

    private void publish(Line line) throws InterruptedException {
        if (!awaitRoom(line.body().length)) {
            return;
        }
        long next = seq + 1;
        Headers headers = Envelope.headers(node, incarnation, next, line.kind(), line.sender());
        if (signer != null) {
            signer.sign(headers, line.body(), System.currentTimeMillis());
        }
        long maxPayload = connection.getMaxPayload();
        long size = (long) headers.serializedLength() + line.body().length;
        if (maxPayload > 0 && size > maxPayload) {
            RareLog.warn(log, stats.droppedTooLarge.incrementAndGet(), "a line over the NATS server's max_payload ("
                    + maxPayload + " bytes) was not published", size + " bytes");
            return;
        }
        try {
            connection.publish(subject, headers, line.body());
        } catch (IllegalStateException e) {
            // jnats refuses while closing, or when its reconnect buffer is full (the connection dropped after the
            // status check).
            stats.droppedDisconnected.incrementAndGet();
            log.debug("not published: {}", e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            // The server's max_payload changed under us (a reconnect to another server): same as above.
            RareLog.warn(log, stats.droppedTooLarge.incrementAndGet(), "a line was refused by jnats", e.getMessage());
            return;
        }
        seq = next;
        stats.published.incrementAndGet();
    }

    /**
     * Waits until jnats' outgoing queue has room for {@code size} more bytes within its share (it always takes a line
     * when empty). False, with the line counted as dropped, if the connection is down or the outbox is closing.
     */
    private boolean awaitRoom(int size) throws InterruptedException {
        while (true) {
            if (connection.getStatus() != Connection.Status.CONNECTED) {
                stats.droppedDisconnected.incrementAndGet();
                return false;
            }
            long pending = connection.outgoingPendingBytes();
            if (pending == 0 || pending + size <= natsBudgetBytes) {
                return true;
            }
            if (!running) {
                stats.droppedOutboxFull.incrementAndGet(); // closing: nobody will wait for NATS to drain
                return false;
            }
            TimeUnit.NANOSECONDS.sleep(ROOM_POLL_NANOS);
        }
    }

    /** Stops taking lines, publishes what is queued for up to {@code grace}, then stops the thread. */
    void close(Duration grace) {
        running = false;
        try {
            thread.join(grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(1));
    }
}
