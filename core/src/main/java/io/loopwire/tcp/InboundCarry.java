package io.loopwire.tcp;

import io.loopwire.codec.FrameSink;
import io.loopwire.codec.FrameTooLongException;
import io.loopwire.codec.Framer;
import io.loopwire.loop.Loop;
import java.nio.ByteBuffer;

/**
 * The inbound side of one {@link TcpConnection}: hands the framer's frames to the handler within the turn's share,
 * and carries the bytes read but not yet handed on (an unfinished frame, or frames beyond the share) from one read or
 * turn to the next.
 *
 * <p>The carry buffer is taken from the group's {@link CarryBuffers} when needed, grows by doubling, and goes back as
 * soon as it empties, so an idle connection holds none. Every carry of a group counts against the group's carry
 * budget; growing over it may close the connection holding the most (this one, perhaps), so after each step that can
 * grow or hand on a frame the code asks whether the connection is still open.
 *
 * @implNote Reactor thread only. Nothing here allocates once a connection's carry is in use.
 */
final class InboundCarry implements FrameSink {
    private final TcpConnection connection;
    private final ConnectionGroup group;
    private final Framer framer;
    private final Loop loop;

    /** Input read and not yet handed on; null if none. */
    private ByteBuffer carry;
    /** How many leading carry bytes the framer has seen without finding a complete frame. */
    private int scanned;
    /** The loop turn {@link #framesLeft} belongs to. */
    private long shareTurn = -1;
    private int framesLeft;

    InboundCarry(TcpConnection connection, ConnectionGroup group) {
        this.connection = connection;
        this.group = group;
        this.framer = group.framer;
        this.loop = group.loop;
    }

    /** A new turn gives a new share of frames. */
    void startShare() {
        long turn = loop.turn();
        if (turn != shareTurn) {
            shareTurn = turn;
            framesLeft = group.maxFramesPerTurn;
        }
    }

    /** Whether this turn's share of frames is not used up. */
    boolean shareLeft() {
        return framesLeft > 0;
    }

    /** Whether the carry holds bytes the framer has not seen (left by a used-up share). */
    boolean holdsUnscanned() {
        return carry != null && carry.position() > scanned;
    }

    /** The carry buffer's capacity, what the carry budget counts for this connection. */
    int capacity() {
        return carry == null ? 0 : carry.capacity();
    }

    /** Offers the carry's bytes to the framer (those left by a used-up share, after any it has already seen). */
    void decodeCarry() throws FrameTooLongException {
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
    void decode(ByteBuffer input) throws FrameTooLongException {
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
    void releaseIfEmpty() {
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
