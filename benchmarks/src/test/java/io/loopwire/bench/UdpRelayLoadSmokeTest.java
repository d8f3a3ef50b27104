package io.loopwire.bench;

import io.loopwire.Reactor;
import io.loopwire.bench.peers.NettyRelayServer;
import io.loopwire.relay.ChatServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** UdpRelayLoad against the Netty peer's UDP room and loopwire's: the room completes, nothing is lost. */
@Timeout(60)
class UdpRelayLoadSmokeTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void nettyPeerUdpRoomDeliversEveryDatagram() throws Exception {
        try (NettyRelayServer server = NettyRelayServer.start(ANY_LOOPBACK, ANY_LOOPBACK)) {
            assertNothingLost(server.udpAddress());
        }
    }

    @Test
    void loopwireUdpRoomDeliversEveryDatagram() throws Exception {
        try (Reactor reactor = new Reactor("udp-relay-smoke").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
            assertNothingLost(server.udpAddress());
        }
    }

    private static void assertNothingLost(InetSocketAddress udp) throws Exception {
        String line = UdpRelayLoad.run(new UdpRelayLoad.Config(udp, 5, 64, 0, Duration.ofMillis(200),
                Duration.ofMillis(800), Duration.ofSeconds(2), Duration.ofSeconds(10), 0));
        System.out.println(line);
        assertThat(line).startsWith("udp-relay ").contains(" lost=0 ", " dup=0 ").doesNotContain(" delivered=0 ");
    }
}
