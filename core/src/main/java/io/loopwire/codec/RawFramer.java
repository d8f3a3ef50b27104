package io.loopwire.codec;

import java.nio.ByteBuffer;

/**
 * No framing, the original system's behaviour: whatever one read brought is one frame. More than
 * {@link #maxFrameBytes()} bytes are delivered as consecutive chunks of at most that size; this framer never throws
 * and never leaves bytes unconsumed. An empty buffer gives no frame.
 *
 * <p>Message boundaries are whatever TCP segmentation made them, so a peer's one message may arrive as several frames
 * and several messages as one; use {@link LineFramer} or {@link LengthPrefixFramer} where that matters.
 *
 * @implNote Stateless and immutable: one instance may serve every connection on every thread. {@link #decode}
 *     allocates nothing.
 */
public final class RawFramer implements Framer {

    private final int maxFrameBytes;

    /** @param maxFrameBytes the largest chunk delivered at once; {@code 1 ..} {@link #MAX_FRAME_BYTES} */
    public RawFramer(int maxFrameBytes) {
        this.maxFrameBytes = Framer.checkMaxFrameBytes(maxFrameBytes);
    }

    @Override
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** {@code 0}: raw frames carry no framing bytes, and nothing is ever kept between reads. */
    @Override
    public int maxOverheadBytes() {
        return 0;
    }

    /** {@inheritDoc} Never throws: the bytes are cut into chunks of at most {@link #maxFrameBytes()}. */
    @Override
    public void decode(ByteBuffer in, FrameSink sink) {
        final int limit = in.limit();
        int start = in.position();
        while (start < limit) {
            if (!sink.acceptsMore()) {
                in.position(start);
                return;
            }
            int end = start + Math.min(limit - start, maxFrameBytes);
            Frames.deliver(in, start, end, limit, sink);
            start = end;
        }
        in.position(limit);
    }

    @Override
    public String toString() {
        return "RawFramer(maxFrameBytes=" + maxFrameBytes + ")";
    }
}
