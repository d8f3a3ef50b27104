package io.loopwire.codec;

import java.nio.ByteBuffer;

/** TEMPORARY placeholder until the codec branch lands. */
public final class LineFramer implements Framer {
    private final int max;

    public LineFramer(int maxFrameBytes) {
        this.max = maxFrameBytes;
    }

    @Override
    public int maxFrameBytes() {
        return max;
    }

    @Override
    public int maxOverheadBytes() {
        return 2;
    }

    @Override
    public void decode(ByteBuffer in, FrameSink sink) throws FrameTooLongException {
        int limit = in.limit();
        int start = in.position();
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                int end = i > start && in.get(i - 1) == '\r' ? i - 1 : i;
                if (end - start > max) {
                    throw new FrameTooLongException("line", max);
                }
                in.limit(end).position(start);
                sink.onFrame(in);
                in.limit(limit);
                start = i + 1;
            }
        }
        in.position(start);
        if (limit - start > max + 1) {
            throw new FrameTooLongException("line", max);
        }
    }
}
