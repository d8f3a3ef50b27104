package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The clients never fail quietly, as processes: {@code tcp-client} notices the server's close at once (stdin still
 * open), says so and exits 1; {@code udp-client} at a port nobody answers on says so on stderr, instead of letting
 * typed lines vanish.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientEndsCliTest {

    @Test
    void tcpClientExitsOneAtOnceWhenTheServerCloses() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                JarProcess client = JarProcess.start("tcp-client", "--port", String.valueOf(listener.getLocalPort()))) {
            listener.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
            try (Socket peer = listener.accept()) {
                peer.getOutputStream().write("* last words\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } // the server goes away; the client's stdin stays open and silent
            client.awaitLine("* last words");
            assertThat(client.awaitExit()).as(client.describe()).isEqualTo(1);
            assertThat(client.stderr()).as(client.describe()).containsExactly(
                    "tcp-client: the server closed the connection");
        }
    }

    @Test
    void udpClientSaysWhenNobodyAnswersItsJoin() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // nothing listens there once closed
        }
        try (JarProcess client = JarProcess.start("udp-client", "--port", String.valueOf(port))) {
            client.sendLine("into the void?");
            Poll.until(Duration.ofSeconds(20), () -> !client.stderr().isEmpty(), "a line on stderr");
            assertThat(client.stderr().get(0)).as(client.describe())
                    .startsWith("udp-client: no answer from 127.0.0.1:" + port + " to the join within 3s");
            client.closeStdin();
            assertThat(client.awaitExit()).as(client.describe()).isZero();
        }
    }

    @Test
    void udpClientSaysNothingWhenTheServerAnswers() throws Exception {
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0")) {
            String ready = server.awaitLine("the ready line", line -> line.startsWith("ready tcp="));
            String udpPort = ready.replaceAll(".* udp=[^ ]*:(\\d+).*", "$1");
            try (JarProcess client = JarProcess.start("udp-client", "--port", udpPort)) {
                Instant started = ProcessHandle.of(client.pid()).flatMap(h -> h.info().startInstant())
                        .orElse(Instant.now());
                // Past the answer wait (3 s) with a margin: the server welcomed the client, so no warning.
                Poll.until(Duration.ofSeconds(20),
                        () -> Instant.now().isAfter(started.plus(UdpClientMain.ANSWER_WAIT).plusSeconds(3)),
                        "the answer wait to pass");
                client.closeStdin();
                assertThat(client.awaitExit()).as(client.describe()).isZero();
                assertThat(client.stderr()).as(client.describe()).isEmpty();
            }
        }
    }
}
