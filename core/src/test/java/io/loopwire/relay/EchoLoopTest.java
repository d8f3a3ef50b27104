package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.udp.UdpEndpoint;
import io.loopwire.wire.ProbePacket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two echo servers and one spoofed LWP1 probe (issue 17): the probe reaches server A as if server B had sent it
 * (handed to A's {@link PingEcho} with B's address as the sender; the rest goes over real sockets). A answers B with
 * the reply mark, B never answers a reply: one exchange, then both are idle. Before the mark, the two echoed each
 * other at full speed until restarted.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EchoLoopTest {

    /** A PingEcho on its own endpoint, as the chat server's UDP side answers probes. */
    private record EchoServer(Reactor reactor, PingEcho echo, UdpEndpoint endpoint) implements AutoCloseable {
        static EchoServer start(String name) throws IOException {
            Reactor reactor = new Reactor(name).start();
            PingEcho echo = new PingEcho();
            UdpEndpoint endpoint = UdpEndpoint.builder(reactor)
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .handler(echo::answer).start();
            return new EchoServer(reactor, echo, endpoint);
        }

        long echoed() throws IOException {
            return reactor.call(echo::probesEchoed);
        }

        long ignored() throws IOException {
            return reactor.call(echo::repliesIgnored);
        }

        @Override
        public void close() {
            endpoint.close();
            reactor.close(Duration.ofMillis(200));
        }
    }

    @Test
    void twoEchoesGoIdleAfterOneExchangeOfASpoofedProbe() throws Exception {
        try (EchoServer a = EchoServer.start("echo-a"); EchoServer b = EchoServer.start("echo-b")) {
            ByteBuffer spoofed = ByteBuffer.allocate(64);
            ProbePacket.encode(spoofed, 0x5EEDF00D, 1, System.nanoTime(), 64);
            spoofed.flip();
            InetSocketAddress fromB = b.endpoint().localAddress();
            a.reactor().execute(() -> a.echo().answer(a.endpoint(), fromB, spoofed));

            Poll.until(Duration.ofSeconds(5), () -> b.ignored() == 1, "B to receive A's reply");
            // Give a loop every chance to show: at full speed the two would exchange thousands of packets by now.
            Thread.sleep(500);
            System.out.printf("spoofed probe between two echoes: A echoed %d, B echoed %d, A ignored %d, "
                    + "B ignored %d%n",
                    a.echoed(), b.echoed(), a.ignored(), b.ignored());
            assertThat(a.echoed()).as("A answered the spoofed probe once").isEqualTo(1);
            assertThat(b.echoed()).as("B never answers a reply").isZero();
            assertThat(b.ignored()).isEqualTo(1);
            assertThat(a.ignored()).isZero();
            assertThat(a.reactor().call(() -> a.endpoint().stats().datagramsIn())).as("nothing came back to A")
                    .isZero();
        }
    }
}
