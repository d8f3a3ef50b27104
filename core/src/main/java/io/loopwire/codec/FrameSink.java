package io.loopwire.codec;

import java.nio.ByteBuffer;

/** Receives the frames a {@link Framer} cuts. */
@FunctionalInterface
public interface FrameSink {

    /**
     * Called once per complete frame; {@code frame}'s remaining bytes are the payload, valid only during the call.
     */
    void onFrame(ByteBuffer frame);
}
