package io.loopwire.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Signing and checking envelopes: any change to a header or the body, a missing signature, an old time. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SignerTest {
    private static final byte[] BODY = "[1.2.3.4:5] hello\n".getBytes(StandardCharsets.UTF_8);
    private final ClusterKey key = ClusterKey.of("0123456789abcdef0123456789abcdef");
    private final Signer signer = new Signer(key);
    private final long now = 1_700_000_000_000L;

    private Headers signed() {
        Headers h = Envelope.headers("a", "inc", 3, Envelope.Kind.MESSAGE, "1.2.3.4:5");
        signer.sign(h, BODY, now);
        return h;
    }

    @Test
    void aSignedEnvelopeChecksOutWithTheSameKeyOnAnotherSigner() {
        assertThat(new Signer(key).verify(signed(), BODY, now + 1_000)).isEqualTo(Signer.Check.OK);
    }

    @Test
    void anyChangeBreaksTheSignature() {
        byte[] other = "[1.2.3.4:5] hellO\n".getBytes(StandardCharsets.UTF_8);
        assertThat(signer.verify(signed(), other, now)).isEqualTo(Signer.Check.BAD);
        for (String name : new String[] {Envelope.NODE, Envelope.INCARNATION, Envelope.SEQ, Envelope.KIND,
            Envelope.SENDER, Envelope.TIME}) {
            Headers h = signed();
            h.put(name, h.getFirst(name) + "1");
            assertThat(signer.verify(h, BODY, now)).as(name).isEqualTo(Signer.Check.BAD);
        }
        Headers unsigned = Envelope.headers("a", "inc", 3, Envelope.Kind.MESSAGE, "1.2.3.4:5");
        assertThat(signer.verify(unsigned, BODY, now)).isEqualTo(Signer.Check.BAD);
        Headers garbage = signed();
        garbage.put(Envelope.MAC, "not base64 !");
        assertThat(signer.verify(garbage, BODY, now)).isEqualTo(Signer.Check.BAD);
        Signer otherKey = new Signer(ClusterKey.of("another key of thirty-two bytes or more"));
        assertThat(otherKey.verify(signed(), BODY, now)).isEqualTo(Signer.Check.BAD);
    }

    @Test
    void aSignatureOlderOrNewerThanTheReplayWindowIsStale() {
        long window = Signer.REPLAY_WINDOW.toMillis();
        assertThat(signer.verify(signed(), BODY, now + window + 1)).isEqualTo(Signer.Check.STALE);
        assertThat(signer.verify(signed(), BODY, now - window - 1)).isEqualTo(Signer.Check.STALE);
        assertThat(signer.verify(signed(), BODY, now + window)).isEqualTo(Signer.Check.OK);
    }

    @Test
    void keysAreTrimmedAndAtLeast32Bytes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("key");
        Files.writeString(file, "  0123456789abcdef0123456789abcdef\n");
        ClusterKey fromFile = ClusterKey.fromFile(file);
        Headers h = signed();
        assertThat(new Signer(fromFile).verify(h, BODY, now)).isEqualTo(Signer.Check.OK);
        Files.writeString(file, "0123456789abcdef0123456789abcde \n");
        assertThatThrownBy(() -> ClusterKey.fromFile(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 32 bytes");
        assertThat(fromFile.toString()).doesNotContain("0123");
    }
}
