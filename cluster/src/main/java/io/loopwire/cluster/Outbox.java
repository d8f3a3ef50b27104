package io.loopwire.cluster;

import io.nats.client.Connection;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local lines on their way to NATS: a bounded queue filled by the loop and emptied by one publisher thread, so a slow
 * or absent NATS server never blocks the loop.
 *
 * <p>Policy: when the queue is full (NATS slower than the room), the loop drops the line and counts it
 * ({@link ClusterStats#droppedOutboxFull}); while the connection is down the publisher drops what it takes and counts
 * it ({@link ClusterStats#droppedDisconnected}), so stale chat is not replayed minutes later when NATS returns. The
 * sequence number is given here, at publish time, by the one publisher thread: sequences then follow publish order
 * whatever thread queued the line, and a hole seen by a receiver means a line lost after it left this node.
 *
 * @implNote {@link #offer} from any thread (the loop); the rest runs on the publisher thread, except {@link #close}.
 */
final class Outbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    /** A line waiting to be published. */
    record Line(Envelope.Kind kind, String sender, byte[] body) {
    }

    private final Connection connection;
    private final String subject;
    private final String node;
    private final String incarnation;
    private final ClusterStats stats;
    private final BlockingQueue<Line> queue;
    private final Thread thread;
    private volatile boolean running = true;
    private long seq;

    Outbox(Connection connection, String subject, String node, String incarnation, int capacity, ClusterStats stats) {
        this.connection = connection;
        this.subject = subject;
        this.node = node;
        this.incarnation = incarnation;
        this.stats = stats;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::run, "loopwire-nats-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a line, or drops and counts it if the queue is full or the outbox closed. Never blocks. */
    void offer(Line line) {
        if (!running || !queue.offer(line)) {
            stats.droppedOutboxFull.incrementAndGet();
        }
    }

    private void run() {
        try {
            while (running || !queue.isEmpty()) {
                Line line = queue.poll(100, TimeUnit.MILLISECONDS);
                if (line != null) {
                    publish(line);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void publish(Line line) {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            stats.droppedDisconnected.incrementAndGet();
            return;
        }
        long next = seq + 1;
        try {
            connection.publish(subject, Envelope.headers(node, incarnation, next, line.kind(), line.sender()),
                    line.body());
        } catch (IllegalStateException e) {
            // jnats refuses while closing, or when its reconnect buffer is full (the connection dropped after the
            // status check above).
            stats.droppedDisconnected.incrementAndGet();
            log.debug("not published: {}", e.getMessage());
            return;
        }
        seq = next;
        stats.published.incrementAndGet();
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
