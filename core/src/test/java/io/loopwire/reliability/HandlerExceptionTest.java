package io.loopwire.reliability;

import io.loopwire.testkit.Rig;
import static io.loopwire.testkit.Rig.figures;
import static io.loopwire.testkit.Rig.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import io.loopwire.relay.RelayFormat;
import io.loopwire.tcp.CloseReason;
import io.loopwire.tcp.TcpServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Case 7: a handler or a {@link RelayFormat} that throws closes that one connection
 * ({@link CloseReason#HANDLER_ERROR}); the loop and every other member carry on. Over UDP (no connection to close)
 * the datagram is dropped and counted, and the sender must not be left half-registered.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HandlerExceptionTest {

    /** Throws for one port, chosen by the test once it knows the client's local port. */
    private static final class ThrowingFormat implements RelayFormat {
        final AtomicInteger badPort = new AtomicInteger(-1);

        @Override
        public byte[] prefix(InetSocketAddress sender) {
            if (sender.getPort() == badPort.get()) {
                throw new IllegalStateException("format failure for port " + sender.getPort() + " (test)");
            }
            return RelayFormat.DEFAULT.prefix(sender);
        }
    }

    @Test
    void aThrowingRelayFormatClosesOnlyThatMember() throws Exception {
        ThrowingFormat format = new ThrowingFormat();
        try (Reactor reactor = new Reactor("format-throws-test").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).format(format).start();
            try (Rig.LineClient a = new Rig.LineClient(server.tcpAddress());
                    Rig.LineClient b = new Rig.LineClient(server.tcpAddress());
                    Socket bad = new Socket();
                    DatagramSocket badUdp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                bad.bind(new InetSocketAddress(Rig.LOOPBACK, 0));
                format.badPort.set(bad.getLocalPort());
                bad.connect(server.tcpAddress(), 5_000);
                bad.setSoTimeout(5_000);
                assertThat(bad.getInputStream().read()).as("closed by the server").isEqualTo(-1);
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor,
                        () -> server.tcpServer().stats().closed(CloseReason.HANDLER_ERROR) == 1,
                        "closed for the handler error");

                // The same over UDP: the datagram that would make the sender a member fails in the format.
                format.badPort.set(badUdp.getLocalPort());
                byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < 3; i++) {
                    badUdp.send(new DatagramPacket(hi, hi.length, server.udpAddress()));
                }
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> server.udpEndpoint().stats().datagramsIn() == 3,
                        "udp datagrams handled");
                long udpHandlerErrors = onLoop(reactor, () -> server.udpEndpoint().stats().handlerErrors());
                int udpMembers = onLoop(reactor, () -> server.udpRelay().memberCount());

                a.send("carry on");
                List<String> seen = GarbageInputTest.readUntil(b, "[" + a.peer() + "] carry on");
                assertThat(seen).noneMatch(l -> l.contains(":" + bad.getLocalPort()));
                figures("handler-exception-format", "tcpHandlerErrorCloses=1 udpHandlerErrors=" + udpHandlerErrors
                        + " udpMembersAfter=" + udpMembers + " othersCarryOn=true tcpOpen="
                        + onLoop(reactor, () -> server.tcpServer().stats().open()));
                assertThat(udpMembers).as("a sender whose join failed is not left registered").isZero();
                assertThat(onLoop(reactor, () -> server.tcpRoom().size())).isEqualTo(2);
            }
        }
    }

    @Test
    void aThrowingTcpHandlerClosesOnlyThatConnection() throws Exception {
        try (Reactor reactor = new Reactor("handler-throws-test").start()) {
            TcpServer server = TcpServer.builder(reactor).handler((connection, frame) -> {
                if (frame.remaining() == 4 && frame.get(frame.position()) == 'b') {
                    throw new IllegalStateException("boom (test)");
                }
                ByteBuffer copy = ByteBuffer.allocate(frame.remaining() + 1);
                connection.send(copy.put(frame).put((byte) '\n').flip());
            }).start();
            try (Rig.LineClient good = new Rig.LineClient(server.localAddress());
                    Rig.LineClient bad = new Rig.LineClient(server.localAddress())) {
                good.send("one");
                assertThat(good.readLine()).isEqualTo("one");
                bad.send("fine");
                assertThat(bad.readLine()).isEqualTo("fine");
                bad.send("boom");
                assertThat(bad.closedByServerWithin(Duration.ofSeconds(5))).isTrue();
                good.send("two");
                assertThat(good.readLine()).isEqualTo("two");
                long errors = onLoop(reactor, () -> server.stats().closed(CloseReason.HANDLER_ERROR));
                long reactorErrors = onLoop(reactor, () -> reactor.stats().handlerErrors());
                assertThat(errors).isEqualTo(1);
                assertThat(onLoop(reactor, () -> server.stats().open())).isEqualTo(1);
                figures("handler-exception-tcp", "handlerErrorCloses=" + errors + " reactorHandlerErrors="
                        + reactorErrors + " othersServed=true");
            }
        }
    }
}
