package io.loopwire.codec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Mimics a connection's read path in tests: a carry buffer of exactly {@code maxFrameBytes + maxOverheadBytes}
 * bytes; each chunk is copied in as far as it fits, decoded, and compacted, until the chunk is used up. Checks the
 * {@link Framer#decode} buffer contract on every call and fails if the framer ever leaves the carry full (it would
 * need more than the bound to make progress).
 */
final class CarryHarness {

    final Framer framer;
    final ByteBuffer carry;
    final List<byte[]> frames = new ArrayList<>();
    int decodeCalls;

    CarryHarness(Framer framer, boolean direct) {
        this.framer = framer;
        int capacity = framer.maxFrameBytes() + framer.maxOverheadBytes();
        this.carry = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }

    CarryHarness(Framer framer) {
        this(framer, false);
    }

    /** Feeds one read's worth of bytes. */
    void feed(byte[] chunk) throws FrameTooLongException {
        feed(chunk, 0, chunk.length);
    }

    void feed(byte[] chunk, int offset, int length) throws FrameTooLongException {
        int off = offset;
        int end = offset + length;
        while (off < end) {
            int n = Math.min(carry.remaining(), end - off);
            if (n == 0) {
                throw new AssertionError(framer + " left the carry full: " + carry);
            }
            carry.put(chunk, off, n);
            off += n;
            decodeOnce();
        }
    }

    /** Bytes kept for an unfinished frame. */
    int carried() {
        return carry.position();
    }

    private void decodeOnce() throws FrameTooLongException {
        carry.flip();
        int limit = carry.limit();
        int position = carry.position();
        decodeCalls++;
        try {
            framer.decode(carry, this::onFrame);
        } catch (FrameTooLongException e) {
            checkAfterDecode(limit, position);
            throw e;
        }
        checkAfterDecode(limit, position);
        carry.compact();
        if (carry.position() == carry.capacity()) {
            throw new AssertionError(framer + " consumed nothing from a full carry of " + carry.capacity() + " bytes");
        }
    }

    private void checkAfterDecode(int limit, int position) {
        if (carry.limit() != limit) {
            throw new AssertionError(framer + " did not restore the limit: " + carry.limit() + " != " + limit);
        }
        if (carry.position() < position || carry.position() > limit) {
            throw new AssertionError(framer + " left position " + carry.position() + " outside " + position + ".."
                    + limit);
        }
    }

    private void onFrame(ByteBuffer frame) {
        if (frame.remaining() > framer.maxFrameBytes()) {
            throw new AssertionError(framer + " delivered " + frame.remaining() + " bytes");
        }
        byte[] copy = new byte[frame.remaining()];
        frame.get(copy); // moves the position, as a sink may
        frames.add(copy);
    }
}
