package io.loopwire.codec;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * Frames that start with their payload length as a big-endian unsigned integer of {@code 2} or {@code 4} bytes (the
 * prefix is not counted in the length). A zero length is a valid, empty frame.
 *
 * <p>A declared length over {@link #maxFrameBytes()} fails with {@link FrameTooLongException} as soon as the prefix
 * is read, before any of the payload arrives; so does a 4-byte length with its top bit set (over 2 GiB). Writers put
 * the prefix with {@link #writeLength(ByteBuffer, int, int)} or {@link #writePrefix(ByteBuffer, int)}.
 *
 * @implNote Stateless and immutable: one instance may serve every connection on every thread. {@link #decode}
 *     allocates nothing (except the exception) and reads the prefix byte by byte, so the buffer's
 *     {@link ByteBuffer#order() byte order} does not matter.
 */
public final class LengthPrefixFramer implements Framer {

    /** The largest length a 2-byte prefix can declare. */
    public static final int MAX_SHORT_PREFIX_LENGTH = 0xFFFF;

    private final int prefixBytes;
    private final int maxFrameBytes;

    /**
     * @param prefixBytes   {@code 2} or {@code 4}
     * @param maxFrameBytes the largest payload accepted; {@code 1 .. 65535} with a 2-byte prefix,
     *                      {@code 1 ..} {@link #MAX_FRAME_BYTES} with a 4-byte prefix
     */
    public LengthPrefixFramer(int prefixBytes, int maxFrameBytes) {
        checkPrefixBytes(prefixBytes);
        int limit = prefixBytes == 2 ? MAX_SHORT_PREFIX_LENGTH : MAX_FRAME_BYTES;
        if (maxFrameBytes <= 0 || maxFrameBytes > limit) {
            throw new IllegalArgumentException("maxFrameBytes must be in 1.." + limit + " with a " + prefixBytes
                    + "-byte prefix: " + maxFrameBytes);
        }
        this.prefixBytes = prefixBytes;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The prefix size, {@code 2} or {@code 4} bytes. */
    public int prefixBytes() {
        return prefixBytes;
    }

    @Override
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** The prefix size. */
    @Override
    public int maxOverheadBytes() {
        return prefixBytes;
    }

    /**
     * {@inheritDoc}
     *
     * <p>When it throws, {@code in}'s limit is restored and its position is at the prefix of the frame that is too
     * long.
     */
    @Override
    public void decode(ByteBuffer in, FrameSink sink) throws FrameTooLongException {
        final int limit = in.limit();
        int start = in.position();
        while (limit - start >= prefixBytes) {
            int length = readLength(in, start);
            // A negative length is a 4-byte prefix over 2^31 - 1: too long by any limit.
            if (length < 0 || length > maxFrameBytes) {
                in.position(start);
                throw new FrameTooLongException("frame", maxFrameBytes);
            }
            int payload = start + prefixBytes;
            if (limit - payload < length || !sink.acceptsMore()) {
                break;
            }
            Frames.deliver(in, payload, payload + length, limit, sink);
            start = payload + length;
        }
        in.position(start);
    }

    private int readLength(ByteBuffer in, int at) {
        int length = (in.get(at) & 0xFF) << 8 | (in.get(at + 1) & 0xFF);
        if (prefixBytes == 4) {
            length = length << 16 | (in.get(at + 2) & 0xFF) << 8 | (in.get(at + 3) & 0xFF);
        }
        return length;
    }

    /**
     * Writes this framer's prefix for a payload of {@code length} bytes at {@code out}'s position (relative put).
     *
     * @throws IllegalArgumentException if {@code length} is negative or over {@link #maxFrameBytes()}
     */
    public void writePrefix(ByteBuffer out, int length) {
        if (length < 0 || length > maxFrameBytes) {
            throw new IllegalArgumentException("length must be in 0.." + maxFrameBytes + ": " + length);
        }
        writeLength(out, prefixBytes, length);
    }

    /**
     * Writes a big-endian {@code prefixBytes}-byte length at {@code out}'s position (relative put, whatever
     * {@code out}'s byte order).
     *
     * @throws IllegalArgumentException if {@code prefixBytes} is not 2 or 4, or {@code length} is negative or (with a
     *     2-byte prefix) over 65535
     * @throws BufferOverflowException if {@code out} has fewer than {@code prefixBytes} bytes remaining
     */
    public static void writeLength(ByteBuffer out, int prefixBytes, int length) {
        checkPrefixBytes(prefixBytes);
        if (length < 0 || (prefixBytes == 2 && length > MAX_SHORT_PREFIX_LENGTH)) {
            throw new IllegalArgumentException("length must be in 0.."
                    + (prefixBytes == 2 ? MAX_SHORT_PREFIX_LENGTH : Integer.MAX_VALUE) + ": " + length);
        }
        if (out.remaining() < prefixBytes) {
            throw new BufferOverflowException();
        }
        if (prefixBytes == 4) {
            out.put((byte) (length >>> 24)).put((byte) (length >>> 16));
        }
        out.put((byte) (length >>> 8)).put((byte) length);
    }

    private static void checkPrefixBytes(int prefixBytes) {
        if (prefixBytes != 2 && prefixBytes != 4) {
            throw new IllegalArgumentException("prefixBytes must be 2 or 4: " + prefixBytes);
        }
    }

    @Override
    public String toString() {
        return "LengthPrefixFramer(prefixBytes=" + prefixBytes + ", maxFrameBytes=" + maxFrameBytes + ")";
    }
}
