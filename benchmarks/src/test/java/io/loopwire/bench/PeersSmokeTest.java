package io.loopwire.bench;

import io.loopwire.bench.peers.BlockingUdpEchoFloor;
import io.loopwire.bench.peers.NettyRelayServer;
import io.loopwire.bench.peers.NettyTransport;
import io.loopwire.bench.peers.ThreadPerClientRelayServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The peers relay every line exactly once, in order, and answer pings; the load tools measure them. */
@Timeout(30)
class PeersSmokeTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void nettyPeerRelaysEveryLineOnceAndAnswersPings() throws Exception {
        try (NettyRelayServer server = NettyRelayServer.start(ANY_LOOPBACK, ANY_LOOPBACK)) {
            assertRelaysEveryLineOnce(server.tcpAddress());
            assertAnswersPings(server.udpAddress());
        }
    }

    /** Its UDP room's lines end in a newline, as loopwire's do: the same bytes for the same work. */
    @Test
    void nettyPeerUdpLinesEndWithANewlineAsLoopwires() throws Exception {
        try (NettyRelayServer server = NettyRelayServer.start(ANY_LOOPBACK, ANY_LOOPBACK);
                DatagramSocket speaker = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                DatagramSocket listener = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(5000);
            send(listener, "/hello", server.udpAddress()); // joins; the speaker joins by speaking
            send(speaker, "hi\n", server.udpAddress());
            byte[] buf = new byte[256];
            String got;
            do {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                listener.receive(p);
                got = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
            } while (!got.contains("] hi"));
            assertThat(got).isEqualTo("[127.0.0.1:" + speaker.getLocalPort() + "] hi\n");
        }
    }

    private static void send(DatagramSocket socket, String text, InetSocketAddress to) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    @Test
    void nettyPeerOnTwoLoopsRelaysEveryLineOnce() throws Exception {
        // Netty hands accepted channels to the loops round-robin: three clients sit on both loops.
        try (NettyRelayServer server = NettyRelayServer.start(ANY_LOOPBACK, ANY_LOOPBACK, NettyTransport.NIO, 2)) {
            assertRelaysEveryLineOnce(server.tcpAddress());
        }
    }

    @ParameterizedTest
    @EnumSource(value = NettyTransport.class, names = {"EPOLL", "IO_URING"})
    void nettyNativePeerRelaysEveryLineOnceAndAnswersPings(NettyTransport transport) throws Exception {
        try {
            transport.ensureAvailable();
        } catch (IllegalStateException e) {
            Assumptions.abort(transport + " cannot run here, skipped: " + e.getMessage());
        }
        try (NettyRelayServer server = NettyRelayServer.start(ANY_LOOPBACK, ANY_LOOPBACK, transport)) {
            assertRelaysEveryLineOnce(server.tcpAddress());
            assertAnswersPings(server.udpAddress());
        }
    }

    @Test
    void threadPerClientPeerRelaysEveryLineOnceAndAnswersPings() throws Exception {
        try (ThreadPerClientRelayServer server = ThreadPerClientRelayServer.start(ANY_LOOPBACK, ANY_LOOPBACK)) {
            assertRelaysEveryLineOnce(server.tcpAddress());
            assertAnswersPings(server.udpAddress());
        }
    }

    @Test
    void blockingFloorEchoesPingsAndProbes() throws Exception {
        try (BlockingUdpEchoFloor floor = BlockingUdpEchoFloor.start(ANY_LOOPBACK)) {
            assertAnswersPings(floor.udpAddress());
        }
    }

    private static void assertRelaysEveryLineOnce(InetSocketAddress server) throws Exception {
        RelayLoad.Result max = RelayLoad.run(RelayLoad.Config.count(server, 3, 50));
        assertThat(max.sent()).isEqualTo(150);
        assertThat(max.expected()).isEqualTo(300);
        assertThat(max.delivered()).isEqualTo(max.expected());
        assertThat(max.lost()).isZero();
        assertThat(max.dup()).isZero();
        assertThat(max.errors()).isZero();

        RelayLoad.Config c = RelayLoad.Config.count(server, 3, 50);
        RelayLoad.Result rate = RelayLoad.run(new RelayLoad.Config(c.server(), c.clients(), c.lineBytes(),
                RelayLoad.Mode.RATE, 2000, 0, c.warmup(), c.duration(), c.messagesPerSender(), c.drainTimeout(),
                c.joinTimeout(), ProcessHandle.current().pid()));
        assertThat(rate.delivered()).isEqualTo(300);
        assertThat(rate.lost()).isZero();
        assertThat(rate.dup()).isZero();
        assertThat(rate.p50Micros()).isPositive();
        assertThat(rate.serverCpuNanos()).isNotNegative();
        assertThat(rate.summary()).startsWith("relay ").contains(" delivered=300 ", " lost=0 ", " dup=0 ");
    }

    private static void assertAnswersPings(InetSocketAddress udp) throws Exception {
        for (boolean probe : new boolean[] {false, true}) {
            UdpPingLoad.Result r = UdpPingLoad.run(UdpPingLoad.Config.of(udp, 100, probe));
            assertThat(r.received()).as("probe=%s", probe).isEqualTo(100);
            assertThat(r.lost()).isZero();
            assertThat(r.p50Micros()).isPositive();
        }
    }
}
