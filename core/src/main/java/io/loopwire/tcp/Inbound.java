package io.loopwire.tcp;

import io.loopwire.codec.FrameSink;
import io.loopwire.codec.FrameTooLongException;
import io.loopwire.codec.Framer;
import io.loopwire.loop.Loop;
import io.loopwire.loop.Revisit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound side of one {@link TcpConnection}: reads into the loop-shared buffer, hands the framer's frames to the
 * handler within the turn's share, and carries the bytes read but not yet handed on (an unfinished frame, or frames
 * beyond the share) from one read or turn to the next. A connection that stopped at its share with input in hand is
 * revisited next turn (this class is the {@link Revisit}).
 *
 * <p>The carry buffer is taken from the group's {@link CarryBuffers} when needed, grows by doubling, and goes back as
 * soon as it empties, so an idle connection holds none. Every carry of a group counts against the group's carry
 * budget; growing over it may close the connection holding the most (this one, perhaps), so after each step that can
 * grow or hand on a frame the code asks whether the connection is still open.
 *
 * @implNote Reactor thread only. Nothing here allocates once a connection's carry is in use.
 */
final class Inbound implements FrameSink, Revisit {
    private static final Logger log = LoggerFactory.getLogger(Inbound.class);

    private final TcpConnection connection;
    private final ConnectionGroup group;
    private final SocketChannel channel;
    private final Framer framer;
    private final Loop loop;
    /** Unwraps what is read, or null for plaintext. */
    private final TlsSession tls;
    private boolean revisitScheduled;
    private long lastReadNanos;

    /** Input read and not yet handed on; null if none. */
    private ByteBuffer carry;
    /** How many leading carry bytes the framer has seen without finding a complete frame. */
    private int scanned;
    /** The loop turn {@link #framesLeft} belongs to. */
    private long shareTurn = -1;
    private int framesLeft;

    Inbound(TcpConnection connection, ConnectionGroup group, SocketChannel channel, TlsSession tls) {
        this.tls = tls;
        this.connection = connection;
        this.group = group;
        this.channel = channel;
        this.framer = group.framer;
        this.loop = group.loop;
        this.lastReadNanos = System.nanoTime();
    }

    /** When the connection last read bytes ({@link System#nanoTime}); kept up only with an idle timeout. */
    long lastReadNanos() {
        return lastReadNanos;
    }

    /** Left input for this turn: carry on with it (and with the socket, if the share allows). */
    @Override
    public void onRevisit() {
        revisitScheduled = false;
        if (connection.inputHeld()) {
            connection.parkReading(); // the loop's hold ends with a revisit
        } else if (connection.isOpen()) {
            read();
        }
    }

    /** Come back next turn (the loop's input hold is over: hand on what is carried, then read). */
    void revisitSoon() {
        if (!revisitScheduled) {
            revisitScheduled = true;
            loop.revisitNextTurn(this);
        }
    }

    /**
     * Hands on what the carry holds, then reads, within this turn's share. While the connection closes gracefully,
     * what arrives is read and discarded, so the peer gets our last words instead of a reset.
     */
    void read() {
        if (connection.isOpen() && holdsUnscanned()) {
            startShare();
            try {
                decodeCarry();
            } catch (FrameTooLongException e) {
                frameTooLong(e);
                return;
            }
            if (connection.isOpen() && holdsUnscanned()) {
                shareUsed();
                return;
            }
        }
        ByteBuffer buffer = loop.readBuffer();
        for (int i = 0; i < group.maxReadsPerTurn; i++) {
            if (connection.isOpen()) {
                startShare();
                if (framesLeft <= 0) {
                    group.stats.turnSharesUsed++;
                    revisitIfTlsHolds();
                    return; // what the socket holds keeps it ready: select brings us back next turn
                }
            }
            buffer.clear();
            int n;
            try {
                n = tls == null ? channel.read(buffer) : tls.read(buffer);
            } catch (TlsFailure e) {
                log.debug("TLS with {} failed: {}", connection.peer(), e.getMessage());
                connection.close(e.reason);
                return;
            } catch (IOException e) {
                log.debug("read from {} failed: {}", connection.peer(), e.toString());
                connection.close(CloseReason.RESET);
                return;
            }
            if (n < 0) {
                CloseReason reason = endReason();
                releaseIfEmpty();
                connection.endOfStream(reason);
                return;
            }
            if (n == 0) {
                revisitIfTlsHolds(); // a TLS 1.3 key update answered with records still held
                return;
            }
            group.stats.bytesIn += n;
            if (group.idleTimeoutNanos > 0) {
                lastReadNanos = System.nanoTime();
            }
            if (!connection.isOpen()) {
                continue; // closing: discard input so the peer gets our last words, not a reset
            }
            buffer.flip();
            try {
                decode(buffer);
            } catch (FrameTooLongException e) {
                frameTooLong(e);
                return;
            }
            if (!connection.isOpen()) {
                return;
            }
            if (holdsUnscanned()) {
                shareUsed();
                return;
            }
            if (n < buffer.capacity() && (tls == null || !tls.hasMore())) {
                return; // a short read means the socket is drained; skip the read that would return 0
            }
        }
        group.stats.turnSharesUsed++;
        revisitIfTlsHolds();
    }

    /** Read ciphertext does not keep the socket ready: stopping with some in hand needs a revisit. */
    private void revisitIfTlsHolds() {
        if (tls != null && tls.hasMore() && !revisitScheduled) {
            revisitScheduled = true;
            loop.revisitNextTurn(this);
        }
    }

    /**
     * Why the stream ended: a TLS peer that sent no {@code close_notify} and stopped in the middle of a frame (or a
     * record) truncated it, and the unfinished frame is discarded as always; otherwise the peer closed.
     */
    private CloseReason endReason() {
        if (tls != null && tls.truncated()
                && ((carry != null && carry.position() > 0) || tls.holdsPartialRecord())) {
            log.debug("{} ended TCP without close_notify in the middle of a frame: truncated, {} bytes discarded",
                    connection.peer(), carry == null ? 0 : carry.position());
            return CloseReason.TLS_TRUNCATED;
        }
        return CloseReason.PEER_CLOSED;
    }

    /** The framer found a frame over the limit: the handler is told (it may say so to the peer), then we close. */
    private void frameTooLong(FrameTooLongException e) {
        group.handler.onFrameTooLong(connection, e);
        if (connection.isOpen()) {
            connection.close(CloseReason.FRAME_TOO_LONG);
        }
    }

    /** Reads and drops what the peer has sent; returns whether input is still arriving. */
    boolean discardPending() {
        ByteBuffer buffer = loop.readBuffer();
        for (int i = 0; i < group.maxReadsPerTurn; i++) {
            buffer.clear();
            try {
                int n = channel.read(buffer);
                if (n <= 0) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** The share is used with input in hand: come back next turn even if the socket has nothing more. */
    private void shareUsed() {
        group.stats.turnSharesUsed++;
        if (!revisitScheduled) {
            revisitScheduled = true;
            loop.revisitNextTurn(this);
        }
    }

    /** A new turn gives a new share of frames. */
    private void startShare() {
        long turn = loop.turn();
        if (turn != shareTurn) {
            shareTurn = turn;
            framesLeft = group.maxFramesPerTurn;
        }
    }

    /** Whether the carry holds bytes the framer has not seen (left by a used-up share). */
    private boolean holdsUnscanned() {
        return carry != null && carry.position() > scanned;
    }

    /** The carry buffer's capacity, what the carry budget counts for this connection. */
    int capacity() {
        return carry == null ? 0 : carry.capacity();
    }

    /** Offers the carry's bytes to the framer (those left by a used-up share, after any it has already seen). */
    private void decodeCarry() throws FrameTooLongException {
        carry.flip();
        framer.decode(carry, scanned, this);
        if (!connection.isOpen()) {
            return; // the handler closed the connection during a frame, which released the carry buffer
        }
        // With share left the framer saw every byte and found no complete frame in what remains.
        scanned = framesLeft > 0 ? carry.remaining() : 0;
        carry.compact();
        if (carry.position() == 0) {
            release();
        } else if (scanned > framer.maxFrameBytes() + framer.maxOverheadBytes()) {
            throw new FrameTooLongException("frame", framer.maxFrameBytes()); // no framer keeps more than this
        }
    }

    /**
     * Feeds one read to the framer. Without carried bytes the framer reads the shared buffer directly and only what
     * it leaves is copied; with an unfinished frame carried, the read goes through the carry chunk by chunk (the
     * carry grows only while one frame does not fit).
     */
    private void decode(ByteBuffer input) throws FrameTooLongException {
        while (input.hasRemaining() && connection.isOpen()) {
            if (carry == null) {
                framer.decode(input, this);
                if (input.hasRemaining() && connection.isOpen()) {
                    stash(input, framesLeft > 0);
                }
                return;
            }
            if (framesLeft <= 0) {
                stash(input, false); // the share is used: keep the rest for the next turn
                return;
            }
            if (!carry.hasRemaining()) {
                if (carry.capacity() >= group.maxCarryBytes) {
                    throw new FrameTooLongException("frame", framer.maxFrameBytes());
                }
                grow(carry.capacity() + 1);
                if (!connection.isOpen()) {
                    return; // over the carry budget, and this connection held the most
                }
            }
            int take = Math.min(input.remaining(), carry.remaining());
            int inputLimit = input.limit();
            input.limit(input.position() + take);
            carry.put(input);
            input.limit(inputLimit);
            decodeCarry();
        }
    }

    /**
     * Copies what the framer left of {@code input} into the carry. {@code seen}: the framer saw all of it (an
     * unfinished frame), rather than stopping at the share.
     */
    private void stash(ByteBuffer input, boolean seen) throws FrameTooLongException {
        int length = input.remaining();
        if (seen && carry == null && length > framer.maxFrameBytes() + framer.maxOverheadBytes()) {
            throw new FrameTooLongException("frame", framer.maxFrameBytes());
        }
        if (carry == null) {
            carry = group.carryBuffers.take(length, group.maxCarryBytes);
            scanned = 0;
            group.enforceCarryBudget();
        } else if (carry.remaining() < length) {
            grow(carry.position() + length);
        }
        if (!connection.isOpen()) {
            return;
        }
        boolean wasEmpty = carry.position() == 0;
        carry.put(input);
        if (wasEmpty) {
            scanned = seen ? carry.position() : 0;
        } // else the bytes already there are still a prefix without a frame, and scanned still counts them
    }

    private void grow(int minBytes) {
        carry = group.carryBuffers.grow(carry, minBytes, group.maxCarryBytes);
        group.enforceCarryBudget();
    }

    /** Gives the carry buffer back if it holds nothing (the peer ended its stream: no more bytes will come). */
    private void releaseIfEmpty() {
        if (carry != null && carry.position() == 0) {
            release();
        }
    }

    /** Gives the carry buffer back; what it held is discarded. */
    void release() {
        if (carry != null) {
            group.carryBuffers.give(carry);
            carry = null;
            scanned = 0;
        }
    }

    @Override
    public boolean acceptsMore() {
        return framesLeft > 0 && connection.isOpen();
    }

    @Override
    public void onFrame(ByteBuffer frame) {
        if (connection.isOpen()) {
            framesLeft--;
            group.stats.framesIn++;
            group.handler.onFrame(connection, frame);
        }
    }
}
