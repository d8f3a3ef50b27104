package io.loopwire.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What counts as a ping (both sides use this one definition), and how peers are named. */
class PingTest {

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void pingWithAtMostOneLineEndIsAPing() {
        assertThat(Ping.isPing(text("ping"))).isTrue();
        assertThat(Ping.isPing(text("ping\n"))).isTrue();
        assertThat(Ping.isPing(text("ping\r\n"))).isTrue();
    }

    @Test
    void anythingElseIsNot() {
        for (String s : new String[] {"", "\n", "pin", "pong", "ping\n\n", " ping", "ping ", "PING", "pingping"}) {
            assertThat(Ping.isPing(text(s))).as("'%s'", s).isFalse();
        }
    }

    @Test
    void matchingLeavesTheBufferAsItWas() {
        ByteBuffer b = text("xping\n");
        b.position(1);
        assertThat(Ping.isPing(b)).isTrue();
        assertThat(b.position()).isEqualTo(1);
        assertThat(b.limit()).isEqualTo(6);
    }

    @Test
    void peersAreNamedByNumericAddressAndPort() {
        assertThat(PeerName.of(new InetSocketAddress("127.0.0.1", 5))).isEqualTo("127.0.0.1:5");
        assertThat(PeerName.of(new InetSocketAddress("10.1.2.3", 80))).isEqualTo("10.1.2.3:80");
    }
}
