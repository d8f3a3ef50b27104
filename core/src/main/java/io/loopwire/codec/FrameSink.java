package io.loopwire.codec;

import java.nio.ByteBuffer;

/** Receives the frames a {@link Framer} cuts. */
@FunctionalInterface
public interface FrameSink {

    /**
     * Called once per complete frame; {@code frame}'s remaining bytes are the payload, valid only during the call.
     */
    void onFrame(ByteBuffer frame);

    /**
     * Whether the sink takes another frame now; asked before each frame. A connection that has used its share of the
     * loop turn says {@code false}, and the framer returns with its position at the first frame not delivered, so the
     * rest waits for the next turn. Default {@code true}.
     */
    default boolean acceptsMore() {
        return true;
    }
}
