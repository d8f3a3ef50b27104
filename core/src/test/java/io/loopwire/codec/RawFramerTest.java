package io.loopwire.codec;

import static io.loopwire.codec.Bytes.buffer;
import static io.loopwire.codec.Bytes.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RawFramerTest {

    @Test
    void rejectsNonPositiveMaxNamingTheValue() {
        assertThatThrownBy(() -> new RawFramer(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
        assertThatThrownBy(() -> new RawFramer(Framer.MAX_FRAME_BYTES + 1)).as("the one 16 MiB bound")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..16777216");
        assertThat(new RawFramer(1).maxOverheadBytes()).isZero();
    }

    @Test
    void emptyInputGivesNoFrame() throws Exception {
        assertThat(decode(new RawFramer(4), ByteBuffer.allocate(0))).isEmpty();
    }

    @Test
    void eachCallIsOneFrameNewlinesIncluded() throws Exception {
        ByteBuffer in = buffer("hi\nthere\r\n");
        assertThat(decode(new RawFramer(100), in)).containsExactly("hi\nthere\r\n");
        assertThat(in.position()).isEqualTo(in.limit());
    }

    @Test
    void cutsMoreThanMaxIntoMaxSizedChunks() throws Exception {
        ByteBuffer in = buffer("abcdefghij");
        in.position(1);
        assertThat(decode(new RawFramer(4), in)).containsExactly("bcde", "fghi", "j");
        assertThat(in.position()).isEqualTo(10);
        assertThat(decode(new RawFramer(3), buffer("abcdef"))).containsExactly("abc", "def");
    }

    @Test
    void restoresTheLimitWhenTheSinkThrows() {
        ByteBuffer in = buffer("abcdef");
        assertThatThrownBy(() -> new RawFramer(2).decode(in, f -> {
            throw new IllegalStateException("sink");
        })).hasMessage("sink");
        assertThat(in.limit()).isEqualTo(6);
    }
}
