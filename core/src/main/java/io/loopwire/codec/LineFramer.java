package io.loopwire.codec;

import java.nio.ByteBuffer;

/**
 * Cuts lines ending in {@code '\n'}; a {@code '\r'} right before the {@code '\n'} is dropped too, so both
 * {@code "text\n"} and {@code "text\r\n"} give the payload {@code "text"}. An empty line is a frame of length 0; the
 * caller decides whether to ignore it.
 *
 * <p>A line whose payload is longer than {@link #maxFrameBytes()} fails with {@link FrameTooLongException} as soon as
 * the bytes prove it: when the line is complete, or when the unterminated bytes kept for it are more than
 * {@code maxFrameBytes + 1} (or exactly {@code maxFrameBytes + 1} and not ending in {@code '\r'}, which could still be
 * the first half of {@code "\r\n"}). A connection therefore never keeps more than {@code maxFrameBytes + 1} bytes.
 *
 * @implNote Stateless and immutable: one instance may serve every connection on every thread. {@link #decode} scans
 *     with absolute gets and allocates nothing (except the exception when a line is too long).
 */
public final class LineFramer implements Framer {

    private static final byte LF = '\n';
    private static final byte CR = '\r';
    private static final int OVERHEAD_BYTES = 2;

    private final int maxFrameBytes;

    /**
     * @param maxFrameBytes the longest payload accepted, terminator excluded; {@code 1 ..} {@link #MAX_FRAME_BYTES}
     */
    public LineFramer(int maxFrameBytes) {
        this.maxFrameBytes = Framer.checkMaxFrameBytes(maxFrameBytes);
    }

    @Override
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** {@code 2}, for {@code "\r\n"}. */
    @Override
    public int maxOverheadBytes() {
        return OVERHEAD_BYTES;
    }

    /**
     * {@inheritDoc}
     *
     * <p>When it throws, {@code in}'s limit is restored and its position is at the first byte of the line that is too
     * long.
     */
    @Override
    public void decode(ByteBuffer in, FrameSink sink) throws FrameTooLongException {
        decode(in, 0, sink);
    }

    /** {@inheritDoc} The first {@code knownIncompleteBytes} bytes hold no {@code '\n'}, so the scan starts after them. */
    @Override
    public void decode(ByteBuffer in, int knownIncompleteBytes, FrameSink sink) throws FrameTooLongException {
        final int limit = in.limit();
        int start = in.position();
        int from = Math.min(limit, start + Math.max(0, knownIncompleteBytes));
        for (int i = from; i < limit; i++) {
            if (in.get(i) != LF) {
                continue;
            }
            if (!sink.acceptsMore()) {
                in.position(start);
                return; // the rest, this complete line included, waits for the sink's next turn
            }
            int end = i;
            if (end > start && in.get(end - 1) == CR) {
                end--;
            }
            if (end - start > maxFrameBytes) {
                in.position(start);
                throw new FrameTooLongException("line", maxFrameBytes);
            }
            Frames.deliver(in, start, end, limit, sink);
            start = i + 1;
        }
        in.position(start);
        int pending = limit - start;
        // One byte of slack: a trailing '\r' may still turn out to be part of the "\r\n" terminator.
        if (pending > maxFrameBytes + 1 || (pending == maxFrameBytes + 1 && in.get(limit - 1) != CR)) {
            throw new FrameTooLongException("line", maxFrameBytes);
        }
    }

    @Override
    public String toString() {
        return "LineFramer(maxFrameBytes=" + maxFrameBytes + ")";
    }
}
