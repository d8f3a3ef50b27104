package io.loopwire.codec;

import java.nio.ByteBuffer;

/** The one way framers hand a frame to a sink, so every framer keeps the {@link Framer#decode} buffer contract. */
final class Frames {

    private Frames() {
    }

    /**
     * Narrows {@code in} to {@code [start, end)}, calls the sink, and restores {@code limit} even if the sink throws.
     * The sink may move the position; callers track their own offsets and do not read it back.
     */
    static void deliver(ByteBuffer in, int start, int end, int limit, FrameSink sink) {
        in.limit(end).position(start);
        try {
            sink.onFrame(in);
        } finally {
            in.limit(limit);
        }
    }
}
