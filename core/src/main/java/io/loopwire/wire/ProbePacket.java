package io.loopwire.wire;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Codec for the binary probe packet (DESIGN.md, "Probe packet"). Big-endian, whatever the buffer's own
 * {@link ByteBuffer#order() order}:
 *
 * <pre>
 * offset  size  field
 *      0     4  magic "LWP1" (0x4C575031)
 *      4     4  prober id (random per prober)
 *      8     8  bit 63: reply mark (0 in a probe, 1 in its echo); bits 62..0: sequence
 *     16     8  send time, System.nanoTime() of the prober
 *     24   0..  zero padding up to the chosen total size
 * </pre>
 *
 * <p>An echo answers a probe with the same bytes and the reply mark set ({@link #markReply}), and never answers a
 * packet that already carries the mark; a prober accepts only marked packets. So two echoes can never keep one
 * packet bouncing between them (a spoofed probe costs one echo, then stops), and a prober never takes its own probe,
 * reflected by something that is not an echo, for an answer.
 *
 * <p>Readers use absolute offsets from the buffer's position and never move it, so a handler can test
 * {@link #isProbe} and still echo or relay the buffer untouched. Only call the accessors when {@link #isProbe}
 * returned {@code true}; then they cannot throw.
 *
 * @implNote Stateless; every method is safe from any thread on a buffer that thread owns. Nothing here allocates.
 */
public final class ProbePacket {

    /** {@code "LWP1"} read as a big-endian int. */
    public static final int MAGIC = 0x4C575031;
    /** Magic, prober id, sequence and send time: the smallest probe packet. */
    public static final int HEADER_BYTES = 24;
    /** Largest total size {@link #encode} accepts: a 1500-byte Ethernet MTU minus IPv4 (20) and UDP (8) headers. */
    public static final int MAX_BYTES = 1472;

    private static final int ID_OFFSET = 4;
    private static final int SEQUENCE_OFFSET = 8;
    private static final int SEND_NANOS_OFFSET = 16;
    /** Bit 63 of the sequence field: set in a reply. */
    private static final long REPLY_MARK = Long.MIN_VALUE;

    private ProbePacket() {
    }

    /**
     * Writes one probe packet of {@code totalSize} bytes at {@code out}'s position and advances the position past it.
     *
     * The packet is a probe (no reply mark).
     *
     * @throws IllegalArgumentException if {@code totalSize} is outside {@link #HEADER_BYTES}..{@link #MAX_BYTES}, or
     *     {@code sequence} is negative (bit 63 is the reply mark)
     * @throws BufferOverflowException if fewer than {@code totalSize} bytes remain in {@code out} (nothing written)
     */
    public static void encode(ByteBuffer out, int proberId, long sequence, long sendNanos, int totalSize) {
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence " + sequence + " is negative (bit 63 is the reply mark)");
        }
        if (totalSize < HEADER_BYTES || totalSize > MAX_BYTES) {
            throw new IllegalArgumentException("probe size " + totalSize + " bytes outside " + HEADER_BYTES + ".."
                    + MAX_BYTES);
        }
        if (out.remaining() < totalSize) {
            throw new BufferOverflowException();
        }
        final boolean big = out.order() == ByteOrder.BIG_ENDIAN;
        final int at = out.position();
        out.putInt(at, big ? MAGIC : Integer.reverseBytes(MAGIC));
        out.putInt(at + ID_OFFSET, big ? proberId : Integer.reverseBytes(proberId));
        out.putLong(at + SEQUENCE_OFFSET, big ? sequence : Long.reverseBytes(sequence));
        out.putLong(at + SEND_NANOS_OFFSET, big ? sendNanos : Long.reverseBytes(sendNanos));
        int i = at + HEADER_BYTES;
        final int end = at + totalSize;
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            out.putLong(i, 0L);
        }
        for (; i < end; i++) {
            out.put(i, (byte) 0);
        }
        out.position(end);
    }

    /**
     * Whether the bytes between {@code in}'s position and limit start like a probe packet: at least
     * {@link #HEADER_BYTES} long and beginning with {@link #MAGIC}. Does not move the position; never throws for a
     * non-null buffer. Padding is not checked (a peer may echo it back altered; only the header matters).
     */
    public static boolean isProbe(ByteBuffer in) {
        return in.remaining() >= HEADER_BYTES && readInt(in, 0) == MAGIC;
    }

    /** Whether {@code in} {@link #isProbe is a probe} sent by the prober with {@code proberId}. */
    public static boolean isProbeFrom(ByteBuffer in, int proberId) {
        return isProbe(in) && proberId(in) == proberId;
    }

    /** The prober id of the packet at {@code in}'s position. Call only when {@link #isProbe} is true. */
    public static int proberId(ByteBuffer in) {
        return readInt(in, ID_OFFSET);
    }

    /**
     * The sequence number of the packet at {@code in}'s position, without the reply mark. Call only when
     * {@link #isProbe} is true.
     */
    public static long sequence(ByteBuffer in) {
        return readLong(in, SEQUENCE_OFFSET) & ~REPLY_MARK;
    }

    /** Whether the packet at {@code in}'s position carries the reply mark. Call only when {@link #isProbe} is true. */
    public static boolean isReply(ByteBuffer in) {
        return readLong(in, SEQUENCE_OFFSET) < 0;
    }

    /** Whether {@code in} {@link #isProbe is a probe packet} with the reply mark, from the prober {@code proberId}. */
    public static boolean isReplyFrom(ByteBuffer in, int proberId) {
        return isProbeFrom(in, proberId) && isReply(in);
    }

    /**
     * Sets the reply mark in the packet at {@code in}'s position, in place (an echo's only change to the bytes).
     * Does not move the position. Call only when {@link #isProbe} is true.
     *
     * @throws java.nio.ReadOnlyBufferException if {@code in} is read-only
     */
    public static void markReply(ByteBuffer in) {
        final int at = in.position() + SEQUENCE_OFFSET;
        // Bit 63 is the top bit of the field's first byte in big-endian order, whatever the buffer's order.
        in.put(at, (byte) (in.get(at) | 0x80));
    }

    /** The send time (nanos) of the packet at {@code in}'s position. Call only when {@link #isProbe} is true. */
    public static long sendNanos(ByteBuffer in) {
        return readLong(in, SEND_NANOS_OFFSET);
    }

    private static int readInt(ByteBuffer in, int offset) {
        final int v = in.getInt(in.position() + offset);
        return in.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    private static long readLong(ByteBuffer in, int offset) {
        final long v = in.getLong(in.position() + offset);
        return in.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
    }
}
