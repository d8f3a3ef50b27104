package io.loopwire.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LineFramerScanHintTest {

    @Test
    void knownIncompleteBytesAreNotRescannedButStillBelongToTheFrame() throws Exception {
        LineFramer framer = new LineFramer(100);
        List<String> frames = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap("hello wor\r\nnext".getBytes(StandardCharsets.US_ASCII));
        // The first 9 bytes ("hello wor") were seen before and held no newline.
        framer.decode(in, 9, f -> frames.add(StandardCharsets.US_ASCII.decode(f).toString()));
        assertThat(frames).containsExactly("hello wor");
        assertThat(in.remaining()).isEqualTo(4);
    }

    @Test
    void aHintPastTheLimitIsHarmless() throws Exception {
        LineFramer framer = new LineFramer(100);
        ByteBuffer in = ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII));
        framer.decode(in, 1000, f -> {
            throw new AssertionError("no frame expected");
        });
        assertThat(in.remaining()).isEqualTo(3);
    }
}
