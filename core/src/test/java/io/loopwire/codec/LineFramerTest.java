package io.loopwire.codec;

import static io.loopwire.codec.Bytes.ascii;
import static io.loopwire.codec.Bytes.buffer;
import static io.loopwire.codec.Bytes.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LineFramerTest {

    @Test
    void rejectsNonPositiveMaxNamingTheValue() {
        assertThatThrownBy(() -> new LineFramer(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
        assertThatThrownBy(() -> new LineFramer(Framer.MAX_FRAME_BYTES + 1)).as("the one 16 MiB bound")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..16777216");
        assertThatThrownBy(() -> new LineFramer(-7))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-7");
        assertThat(new LineFramer(1).maxOverheadBytes()).isEqualTo(2);
    }

    @Test
    void cutsManyLinesFromOneBufferWithLfAndCrLf() throws Exception {
        ByteBuffer in = buffer("a\nbb\r\n\n\r\nccc\n");
        assertThat(decode(new LineFramer(10), in)).containsExactly("a", "bb", "", "", "ccc");
        assertThat(in.position()).isEqualTo(in.limit());
    }

    @Test
    void leavesAnUnfinishedLineForTheNextCall() throws Exception {
        ByteBuffer in = buffer("ab\ncd\r");
        assertThat(decode(new LineFramer(10), in)).containsExactly("ab");
        assertThat(in.position()).isEqualTo(3);
        assertThat(in.limit()).isEqualTo(6);
    }

    @Test
    void keepsACarriageReturnThatIsNotBeforeTheNewline() throws Exception {
        assertThat(decode(new LineFramer(10), buffer("a\rb\n\r\r\n"))).containsExactly("a\rb", "\r");
    }

    @Test
    void joinsALineSplitAcrossManyCalls() throws Exception {
        CarryHarness h = new CarryHarness(new LineFramer(16));
        for (byte b : ascii("hello world\r\nsecond\n")) {
            h.feed(new byte[] {b});
        }
        assertThat(Bytes.strings(h.frames)).containsExactly("hello world", "second");
        assertThat(h.carried()).isZero();
    }

    @Test
    void stripsCarriageReturnWhenNewlineArrivesInTheNextCall() throws Exception {
        CarryHarness h = new CarryHarness(new LineFramer(3));
        h.feed(ascii("abc\r"));
        assertThat(h.frames).isEmpty();
        h.feed(ascii("\n"));
        assertThat(Bytes.strings(h.frames)).containsExactly("abc");
    }

    @Test
    void acceptsLinesOfExactlyMaxBytes() throws Exception {
        LineFramer framer = new LineFramer(5);
        assertThat(decode(framer, buffer("12345\n12345\r\n"))).containsExactly("12345", "12345");
        ByteBuffer unterminated = buffer("12345\r");
        assertThat(decode(framer, unterminated)).isEmpty();
        assertThat(unterminated.position()).isZero();
    }

    @Test
    void rejectsAnOverLongCompleteLineAfterDeliveringEarlierOnes() {
        LineFramer framer = new LineFramer(5);
        ByteBuffer in = buffer("ok\n123456\nnever\n");
        List<String> frames = new ArrayList<>();
        assertThatThrownBy(() -> framer.decode(in, f -> frames.add(String.valueOf(f.remaining()))))
                .isInstanceOf(FrameTooLongException.class)
                .hasMessage("line longer than 5 bytes")
                .satisfies(e -> assertThat(((FrameTooLongException) e).limitBytes()).isEqualTo(5));
        assertThat(frames).containsExactly("2");
        assertThat(in.position()).isEqualTo(3);
        assertThat(in.limit()).isEqualTo(in.capacity());
    }

    @Test
    void rejectsACarriageReturnThatMakesTheLineTooLong() {
        assertThatThrownBy(() -> decode(new LineFramer(5), buffer("12345\r\r\n")))
                .isInstanceOf(FrameTooLongException.class);
    }

    @Test
    void rejectsAnOverLongUnterminatedLineWithoutWaitingForTheNewline() throws Exception {
        LineFramer framer = new LineFramer(5);
        assertThatThrownBy(() -> decode(framer, buffer("123456"))).isInstanceOf(FrameTooLongException.class);
        assertThatThrownBy(() -> decode(framer, buffer("12345\rx"))).isInstanceOf(FrameTooLongException.class);
        assertThatThrownBy(() -> decode(framer, buffer("1234567\r"))).isInstanceOf(FrameTooLongException.class);

        CarryHarness h = new CarryHarness(framer);
        byte[] stream = ascii("abcdefghijklmnop");
        int fed = 0;
        try {
            for (; fed < stream.length; fed++) {
                h.feed(stream, fed, 1);
            }
        } catch (FrameTooLongException expected) {
            // the sixth byte proves the line is longer than 5
        }
        assertThat(fed).isEqualTo(5);
        assertThat(h.carried()).isLessThanOrEqualTo(5 + 2);
    }

    @Test
    void decodesFromAnOffsetInADirectBuffer() throws Exception {
        ByteBuffer in = ByteBuffer.allocateDirect(32);
        in.put(ascii("xxxxab\ncd\n")).flip();
        in.position(4);
        assertThat(decode(new LineFramer(4), in)).containsExactly("ab", "cd");
        assertThat(in.position()).isEqualTo(10);
    }

    @Test
    void restoresTheLimitWhenTheSinkThrows() {
        ByteBuffer in = buffer("a\nb\n");
        assertThatThrownBy(() -> new LineFramer(4).decode(in, f -> {
            throw new IllegalStateException("sink");
        })).hasMessage("sink");
        assertThat(in.limit()).isEqualTo(4);
    }
}
