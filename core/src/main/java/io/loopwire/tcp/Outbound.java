package io.loopwire.tcp;

import io.loopwire.loop.Loop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound side of one {@link TcpConnection}: its queue, the gathering writes that flush it (once per turn, or
 * when the socket is writable again), the outbound limit and the writability the handler is told about.
 *
 * <p>The limit is judged on what the socket could not take: a connection whose last flush left nothing behind takes
 * whatever a turn queues for it (up to {@value #IN_TURN_LIMIT_FACTOR} times the limit, a bound on memory when many
 * senders burst at once) and is judged after that turn's flush; one already behind is judged at each message.
 *
 * @implNote Reactor thread only. Nothing here allocates in steady state (transient messages the socket cannot take
 *     are copied, appended to one copy of at least 4 KiB: that is the slow peer's cost).
 */
final class Outbound {
    private static final Logger log = LoggerFactory.getLogger(Outbound.class);

    /** What a connection that keeps up may be given within one turn, as a multiple of the outbound limit. */
    static final int IN_TURN_LIMIT_FACTOR = 8;
    /** Gathering writes per flush at most; the rest waits for {@code OP_WRITE}. */
    private static final int MAX_WRITES_PER_FLUSH = 16;

    private final TcpConnection connection;
    private final ConnectionGroup group;
    private final SocketChannel channel;
    private final Loop loop;
    private final OutboundQueue queue;
    /** Wraps what is written, or null for plaintext. */
    private final TlsSession tls;
    /** The last flush left bytes unwritten: the socket did not keep up. */
    private boolean behind;
    private boolean writable = true;

    Outbound(TcpConnection connection, ConnectionGroup group, SocketChannel channel, TlsSession tls) {
        this.tls = tls;
        this.connection = connection;
        this.group = group;
        this.channel = channel;
        this.loop = group.loop;
        this.queue = new OutboundQueue(group.slotPool);
    }

    long bytes() {
        return queue.bytes();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    boolean isWritable() {
        return writable;
    }

    /** Whether {@code length} more bytes stay within the limit (see the class comment). */
    boolean fits(int length) {
        long after = queue.bytes() + length + OutboundQueue.ENTRY_OVERHEAD_BYTES;
        return !(behind && after > group.maxOutboundBytes) && after <= group.maxOutboundBytes * IN_TURN_LIMIT_FACTOR;
    }

    /**
     * Queues a message the limit allowed. {@code socketFull}: the connection waits for {@code OP_WRITE}, so nothing
     * will be written this turn and a transient message is copied now.
     */
    void add(ByteBuffer message, boolean transientBytes, boolean socketFull) {
        if (transientBytes && socketFull) {
            queue.addCopy(message); // appended to the last copy: short lines do not each cost an entry
        } else {
            queue.add(message, transientBytes);
        }
        group.stats.messagesOut++;
        if (writable && queue.bytes() > group.highWaterBytes) {
            writable = false;
            notifyWritability(false);
        }
    }

    /** Queues a closing connection's last message, whatever the limit. */
    void addLast(ByteBuffer lastMessage) {
        queue.add(lastMessage, false);
    }

    /** Whether, after this turn's flush, what the socket could not take is over the limit. */
    boolean overLimitAfterFlush() {
        return behind && queue.bytes() > group.maxOutboundBytes;
    }

    /**
     * Writes as much of the queue as the socket takes, with gathering writes. Returns whether the queue is empty; if
     * not, transient bytes still queued have been copied (their producer reuses them next turn).
     *
     * @throws IOException if a write failed (the peer reset the connection)
     */
    boolean flush() throws IOException {
        if (tls != null && !tls.flushOutput()) {
            return fellBehind(); // a TLS record the socket did not take goes first
        }
        ByteBuffer[] batch = loop.gatherScratch();
        for (int attempt = 0; attempt < MAX_WRITES_PER_FLUSH && !queue.isEmpty(); attempt++) {
            int n = queue.gather(batch);
            long batchBytes = 0;
            for (int i = 0; i < n; i++) {
                batchBytes += batch[i].remaining();
            }
            long written;
            try {
                // One buffer: the plain write skips the JDK's iovec set-up.
                if (tls != null) {
                    written = tls.write(batch, 0, n); // plaintext consumed; its ciphertext is written or kept
                } else {
                    written = n == 1 ? channel.write(batch[0]) : channel.write(batch, 0, n);
                }
            } finally {
                Arrays.fill(batch, 0, n, null);
            }
            group.stats.bytesOut += written;
            queue.consume(written);
            if (written < batchBytes) {
                break; // the socket buffer is full
            }
        }
        if (!queue.isEmpty() || (tls != null && tls.hasPendingOutput())) {
            return fellBehind();
        }
        behind = false;
        return true;
    }

    private boolean fellBehind() {
        behind = true;
        queue.keepTransientBytes();
        return false;
    }

    /** The queue drained: tells the handler the connection is writable again if it was told otherwise. */
    void drained() {
        if (!writable) {
            writable = true;
            notifyWritability(true);
        }
    }

    /** Tells the handler the outbound limit was hit (before the connection drops the message or closes). */
    void tellLimitHit() {
        try {
            group.handler.onOutboundLimit(connection);
        } catch (RuntimeException e) {
            log.warn("onOutboundLimit failed for {}", connection.peer(), e);
        }
    }

    private void notifyWritability(boolean nowWritable) {
        try {
            group.handler.onWritabilityChanged(connection, nowWritable);
        } catch (RuntimeException e) {
            log.warn("onWritabilityChanged failed for {}", connection.peer(), e);
        }
    }

    /** Gives back queue storage borrowed for a burst that is over. */
    void trim() {
        queue.trim();
    }

    /** Discards what is queued (the connection closed). */
    void clear() {
        queue.clear();
    }
}
