package io.loopwire.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ProbePacketTest {

    @Test
    void roundTripReadsBackEveryFieldWithoutMovingThePosition() {
        final ByteBuffer buf = ByteBuffer.allocate(64);
        ProbePacket.encode(buf, 0xCAFEBABE, Long.MAX_VALUE - 7, -123_456_789L, ProbePacket.HEADER_BYTES);
        assertThat(buf.position()).isEqualTo(24);
        buf.flip();

        assertThat(ProbePacket.isProbe(buf)).isTrue();
        assertThat(ProbePacket.proberId(buf)).isEqualTo(0xCAFEBABE);
        assertThat(ProbePacket.sequence(buf)).isEqualTo(Long.MAX_VALUE - 7);
        assertThat(ProbePacket.sendNanos(buf)).isEqualTo(-123_456_789L);
        assertThat(ProbePacket.isProbeFrom(buf, 0xCAFEBABE)).isTrue();
        assertThat(ProbePacket.isProbeFrom(buf, 1)).isFalse();
        assertThat(buf.position()).isZero();
        assertThat(buf.limit()).isEqualTo(24);
    }

    @Test
    void wireFormatIsBigEndianWithAsciiMagic() {
        final ByteBuffer buf = ByteBuffer.allocate(24);
        ProbePacket.encode(buf, 1, 2, 3, 24);
        final byte[] bytes = buf.array();
        assertThat(new String(bytes, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("LWP1");
        assertThat(bytes).containsExactly(
                'L', 'W', 'P', '1',
                0, 0, 0, 1,
                0, 0, 0, 0, 0, 0, 0, 2,
                0, 0, 0, 0, 0, 0, 0, 3);
        assertThat(ProbePacket.MAGIC).isEqualTo(ByteBuffer.wrap("LWP1".getBytes(StandardCharsets.US_ASCII)).getInt());
    }

    @Test
    void littleEndianBufferStillWritesAndReadsBigEndian() {
        final ByteBuffer buf = ByteBuffer.allocateDirect(32).order(ByteOrder.LITTLE_ENDIAN);
        ProbePacket.encode(buf, 7, 8, 9, 32);
        buf.flip();
        assertThat(buf.get(0)).isEqualTo((byte) 'L');
        assertThat(buf.get(7)).isEqualTo((byte) 7);
        assertThat(ProbePacket.isProbe(buf)).isTrue();
        assertThat(ProbePacket.proberId(buf)).isEqualTo(7);
        assertThat(ProbePacket.sequence(buf)).isEqualTo(8);
        assertThat(ProbePacket.sendNanos(buf)).isEqualTo(9);
    }

    @Test
    void paddingIsZeroedUpToTheTotalSize() {
        final ByteBuffer buf = ByteBuffer.allocate(ProbePacket.MAX_BYTES + 10);
        for (int i = 0; i < buf.capacity(); i++) {
            buf.put(i, (byte) 0x5A);
        }
        buf.position(3);
        ProbePacket.encode(buf, 42, 1, 2, ProbePacket.MAX_BYTES);
        assertThat(buf.position()).isEqualTo(3 + ProbePacket.MAX_BYTES);
        for (int i = 3 + ProbePacket.HEADER_BYTES; i < 3 + ProbePacket.MAX_BYTES; i++) {
            assertThat(buf.get(i)).as("byte %d", i).isZero();
        }
        assertThat(buf.get(3 + ProbePacket.MAX_BYTES)).isEqualTo((byte) 0x5A);
        assertThat(buf.get(2)).isEqualTo((byte) 0x5A);

        buf.flip().position(3);
        assertThat(ProbePacket.isProbe(buf)).isTrue();
        assertThat(ProbePacket.proberId(buf)).isEqualTo(42);
    }

    @Test
    void oddPaddingSizesAreWrittenExactly() {
        for (int size = ProbePacket.HEADER_BYTES; size <= 64; size++) {
            final ByteBuffer buf = ByteBuffer.allocate(size);
            ProbePacket.encode(buf, 1, size, 0, size);
            assertThat(buf.hasRemaining()).isFalse();
            buf.flip();
            assertThat(ProbePacket.sequence(buf)).isEqualTo(size);
        }
    }

    @Test
    void sizeOutsideLimitsIsRejectedNamingTheLimits() {
        final ByteBuffer buf = ByteBuffer.allocate(4096);
        assertThatThrownBy(() -> ProbePacket.encode(buf, 1, 1, 1, 23))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("probe size 23 bytes outside 24..1472");
        assertThatThrownBy(() -> ProbePacket.encode(buf, 1, 1, 1, 1473))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1473");
        assertThat(buf.position()).isZero();
    }

    @Test
    void tooSmallBufferOverflowsWithoutWriting() {
        final ByteBuffer buf = ByteBuffer.allocate(30);
        assertThatThrownBy(() -> ProbePacket.encode(buf, 1, 1, 1, 31)).isInstanceOf(BufferOverflowException.class);
        assertThat(buf.position()).isZero();
        assertThat(buf.get(0)).isZero();
    }

    @Test
    void shortOrForeignPacketsAreNotProbes() {
        final ByteBuffer full = ByteBuffer.allocate(24);
        ProbePacket.encode(full, 1, 1, 1, 24);
        full.flip();
        for (int len = 0; len < 24; len++) {
            assertThat(ProbePacket.isProbe(full.duplicate().limit(len))).as("length %d", len).isFalse();
        }
        assertThat(ProbePacket.isProbe(ByteBuffer.wrap("ping\n".getBytes(StandardCharsets.US_ASCII)))).isFalse();
        assertThat(ProbePacket.isProbe(ByteBuffer.wrap(
                "LWP2 and some more text to be long".getBytes(StandardCharsets.US_ASCII)))).isFalse();
        assertThat(ProbePacket.isProbe(ByteBuffer.wrap(
                "lwp1 and some more text to be long".getBytes(StandardCharsets.US_ASCII)))).isFalse();
        assertThat(ProbePacket.isProbe(ByteBuffer.allocate(0))).isFalse();
    }

    @Test
    void headerAfterThePositionIsWhatCounts() {
        final ByteBuffer buf = ByteBuffer.allocate(40);
        buf.position(10);
        ProbePacket.encode(buf, 5, 6, 7, 24);
        buf.flip();
        assertThat(ProbePacket.isProbe(buf)).isFalse(); // position 0: zeros, not the magic
        buf.position(10);
        assertThat(ProbePacket.isProbe(buf)).isTrue();
        assertThat(ProbePacket.sequence(buf)).isEqualTo(6);
        assertThat(ProbePacket.isProbe(buf.slice())).isTrue();
        assertThat(ProbePacket.isProbe(buf.asReadOnlyBuffer())).isTrue();
    }

    @Test
    void replyMarkIsBit63OfTheSequenceFieldSetInPlace() {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.position(4);
        ProbePacket.encode(b, 0xCAFE, Long.MAX_VALUE, 99, 32);
        b.position(4);
        assertThat(ProbePacket.isReply(b)).isFalse();
        assertThat(ProbePacket.isReplyFrom(b, 0xCAFE)).isFalse();
        ProbePacket.markReply(b);
        assertThat(b.position()).isEqualTo(4);
        assertThat(b.get(4 + 8) & 0xFF).isEqualTo(0xFF);
        assertThat(ProbePacket.isReply(b)).isTrue();
        assertThat(ProbePacket.isReplyFrom(b, 0xCAFE)).isTrue();
        assertThat(ProbePacket.isReplyFrom(b, 0xBEEF)).isFalse();
        assertThat(ProbePacket.sequence(b)).as("the mark is not part of the sequence").isEqualTo(Long.MAX_VALUE);
        assertThat(ProbePacket.proberId(b)).isEqualTo(0xCAFE);
        assertThat(ProbePacket.sendNanos(b)).isEqualTo(99);
        ProbePacket.markReply(b); // idempotent
        assertThat(ProbePacket.sequence(b)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void negativeSequenceIsRejectedBecauseBit63IsTheMark() {
        ByteBuffer b = ByteBuffer.allocate(24);
        assertThatThrownBy(() -> ProbePacket.encode(b, 1, -1, 0, 24))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reply mark");
        assertThat(b.position()).isZero();
    }
}
