package io.loopwire.codec;

import java.nio.ByteBuffer;

/**
 * Cuts a byte stream into frames. A framer holds no per-connection state: the connection keeps the bytes of an
 * unfinished frame and hands them back on the next read, so one framer instance serves every connection.
 *
 * @implNote Implementations are stateless and may be shared across threads; {@link #decode} runs on the reactor
 *     thread of the connection being decoded and must not allocate.
 */
public interface Framer {
    /**
     * The largest frame any framer accepts (16 MiB): beyond it one peer could make a connection hold memory the size of
     * the heap. Every framer and every builder that takes a frame size checks against this one bound.
     */
    int MAX_FRAME_BYTES = 16 * 1024 * 1024;

    /**
     * Checks a frame-size setting against {@link #MAX_FRAME_BYTES}: the one check, with a message a CLI can print.
     *
     * @return {@code bytes}
     * @throws IllegalArgumentException outside {@code 1..MAX_FRAME_BYTES}
     */
    static int checkMaxFrameBytes(int bytes) {
        if (bytes < 1 || bytes > MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes must be in 1.." + MAX_FRAME_BYTES + " (16 MiB), was "
                    + bytes);
        }
        return bytes;
    }

    /** The largest frame payload accepted, in bytes. */
    int maxFrameBytes();

    /**
     * The most bytes of framing a frame carries besides its payload ({@code 2} for {@code "\r\n"}, the prefix
     * length for length-prefixed frames). A connection never needs to keep more than
     * {@code maxFrameBytes() + maxOverheadBytes()} bytes of an unfinished frame.
     */
    int maxOverheadBytes();

    /**
     * Hands every complete frame in {@code in} (between its position and limit) to {@code sink}, in order.
     *
     * <p>For each frame, {@code in}'s position and limit are set to the frame's payload for the duration of
     * {@link FrameSink#onFrame}; the sink may read (move the position) but must not keep the buffer. On return,
     * {@code in}'s limit is restored and its position is at the first byte of the first unfinished frame (equal to
     * the limit when everything was consumed). Before each frame it asks {@link FrameSink#acceptsMore()}; on
     * {@code false} it returns with the position at that frame, which counts as unfinished.
     *
     * @throws FrameTooLongException as soon as the bytes seen prove that a frame exceeds {@link #maxFrameBytes()},
     *     whether the frame is complete or not; frames before it have been delivered, {@code in}'s limit is restored
     *     and its position is at the first byte of the frame that is too long
     */
    void decode(ByteBuffer in, FrameSink sink) throws FrameTooLongException;

    /**
     * As {@link #decode(ByteBuffer, FrameSink)}, told that the first {@code knownIncompleteBytes} remaining bytes were
     * already offered to this framer and held no complete frame. A connection that keeps an unfinished frame passes
     * its length, so a line framer does not rescan it on every read: without the hint, a peer trickling a long line
     * one byte per packet would cost time quadratic in the line's length.
     */
    default void decode(ByteBuffer in, int knownIncompleteBytes, FrameSink sink) throws FrameTooLongException {
        decode(in, sink);
    }
}
