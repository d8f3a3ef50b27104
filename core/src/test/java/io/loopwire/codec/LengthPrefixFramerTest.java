package io.loopwire.codec;

import static io.loopwire.codec.Bytes.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LengthPrefixFramerTest {

    @Test
    void validatesPrefixAndMaxNamingTheValue() {
        assertThatThrownBy(() -> new LengthPrefixFramer(3, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(": 3");
        assertThatThrownBy(() -> new LengthPrefixFramer(2, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(": 0");
        assertThatThrownBy(() -> new LengthPrefixFramer(2, 65536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65535").hasMessageContaining("65536");
        assertThat(new LengthPrefixFramer(2, 65535).maxOverheadBytes()).isEqualTo(2);
        assertThat(new LengthPrefixFramer(4, 1 << 20).maxOverheadBytes()).isEqualTo(4);
    }

    @Test
    void cutsManyFramesIncludingEmptyOnesWithATwoBytePrefix() throws Exception {
        ByteBuffer in = encode(2, "abc", "", "de", "");
        assertThat(decode(new LengthPrefixFramer(2, 3), in)).containsExactly("abc", "", "de", "");
        assertThat(in.position()).isEqualTo(in.limit());
    }

    @Test
    void cutsFramesWithAFourBytePrefixAndKeepsAPartialOne() throws Exception {
        ByteBuffer full = encode(4, "hello", "x", "partial");
        ByteBuffer in = full.duplicate().limit(full.limit() - 3); // cut inside the last payload
        assertThat(decode(new LengthPrefixFramer(4, 16), in)).containsExactly("hello", "x");
        assertThat(in.position()).isEqualTo(4 + 5 + 4 + 1);

        ByteBuffer prefixOnly = ByteBuffer.wrap(new byte[] {0, 0, 0});
        assertThat(decode(new LengthPrefixFramer(4, 16), prefixOnly)).isEmpty();
        assertThat(prefixOnly.position()).isZero();
    }

    @Test
    void joinsAFrameSplitAcrossManyCalls() throws Exception {
        CarryHarness h = new CarryHarness(new LengthPrefixFramer(2, 300));
        ByteBuffer stream = encode(2, "a".repeat(300), "bc");
        byte[] bytes = new byte[stream.remaining()];
        stream.get(bytes);
        for (int i = 0; i < bytes.length; i++) {
            h.feed(bytes, i, 1);
        }
        assertThat(Bytes.strings(h.frames)).containsExactly("a".repeat(300), "bc");
    }

    @Test
    void acceptsExactlyMaxAndRejectsOneMoreAsSoonAsThePrefixArrives() throws Exception {
        assertThat(decode(new LengthPrefixFramer(2, 3), encode(2, "abc"))).containsExactly("abc");

        ByteBuffer in = encode(2, "ok");
        ByteBuffer withBadPrefix = ByteBuffer.allocate(in.remaining() + 2).put(in).put((byte) 0).put((byte) 4).flip();
        StringBuilder seen = new StringBuilder();
        assertThatThrownBy(() -> new LengthPrefixFramer(2, 3).decode(withBadPrefix, f -> seen.append(f.remaining())))
                .isInstanceOf(FrameTooLongException.class)
                .hasMessage("frame longer than 3 bytes");
        assertThat(seen.toString()).isEqualTo("2");
        assertThat(withBadPrefix.position()).isEqualTo(4);
        assertThat(withBadPrefix.limit()).isEqualTo(6);
    }

    @Test
    void rejectsANegativeFourByteLength() {
        ByteBuffer in = ByteBuffer.wrap(new byte[] {(byte) 0x80, 0, 0, 0});
        assertThatThrownBy(() -> decode(new LengthPrefixFramer(4, Framer.MAX_FRAME_BYTES), in))
                .isInstanceOf(FrameTooLongException.class);
        ByteBuffer max = ByteBuffer.wrap(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        assertThatThrownBy(() -> decode(new LengthPrefixFramer(4, 10), max)).isInstanceOf(FrameTooLongException.class);
    }

    @Test
    void readsTheLengthBigEndianWhateverTheBufferOrder() throws Exception {
        ByteBuffer in = encode(4, "x".repeat(258)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(decode(new LengthPrefixFramer(4, 70_000), in)).containsExactly("x".repeat(258));
    }

    @Test
    void writesBigEndianLengthsAndValidatesThem() {
        ByteBuffer out = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        LengthPrefixFramer.writeLength(out, 2, 0x1234);
        LengthPrefixFramer.writeLength(out, 4, 0x0A0B0C0D);
        assertThat(out.array()).containsExactly(0x12, 0x34, 0x0A, 0x0B, 0x0C, 0x0D);

        ByteBuffer big = ByteBuffer.allocate(8);
        assertThatThrownBy(() -> LengthPrefixFramer.writeLength(big, 2, 65536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65536");
        assertThatThrownBy(() -> LengthPrefixFramer.writeLength(big, 4, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LengthPrefixFramer.writeLength(big, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LengthPrefixFramer.writeLength(ByteBuffer.allocate(3), 4, 1))
                .isInstanceOf(BufferOverflowException.class);
        assertThatThrownBy(() -> new LengthPrefixFramer(4, 10).writePrefix(big, 11))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("11");
        new LengthPrefixFramer(4, 10).writePrefix(big, 10);
        assertThat(big.position()).isEqualTo(4);
    }

    static ByteBuffer encode(int prefixBytes, String... payloads) {
        ByteBuffer out = ByteBuffer.allocate(1024);
        for (String p : payloads) {
            byte[] b = Bytes.ascii(p);
            LengthPrefixFramer.writeLength(out, prefixBytes, b.length);
            out.put(b);
        }
        return out.flip();
    }
}
