package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ctrl-C (SIGINT) and SIGTERM are a clean stop for every command, as processes: in-flight work is finished, the
 * summary printed where there is one, exit status 0, and no "fatal" line (a shutdown hook alone would exit 130/143).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CleanStopCliTest {

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void serverClosesItsMembersAndExitsZero(String signal) throws Exception {
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0")) {
            String ready = server.awaitLine("the ready line", line -> line.startsWith("ready tcp="));
            int port = Integer.parseInt(ready.replaceAll(".*tcp=[^ ]*:(\\d+) .*", "$1"));
            try (Socket member = new Socket("127.0.0.1", port)) {
                member.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
                server.signal(signal);
                InputStream in = member.getInputStream();
                while (in.read() >= 0) {
                    // whatever the server still says; then its close
                }
            }
            assertStoppedCleanly(server);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void monitorPrintsItsStatisticsAndExitsZero(String signal) throws Exception {
        try (DatagramSocket echo = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                JarProcess monitor = JarProcess.start("monitor", "--target", "127.0.0.1:" + echo.getLocalPort(),
                        "--interval", "200ms", "--probe", "text")) {
            monitor.awaitLine("its start line", line -> line.startsWith("monitoring 1 target"));
            monitor.signal(signal);
            assertStoppedCleanly(monitor);
            assertThat(monitor.stdout()).as("the statistics").anyMatch(line -> line.contains("127.0.0.1:"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void demoPrintsItsSummaryAndExitsZero(String signal) throws Exception {
        try (JarProcess demo = JarProcess.start("demo", "--seconds", "600")) {
            demo.awaitLine("the first line, naming the live page", line -> line.contains("live page at http://"));
            demo.signal(signal);
            assertStoppedCleanly(demo);
            assertThat(demo.stdout()).anyMatch(line -> line.contains("summary: "));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void tcpClientClosesItsSideAndExitsZero(String signal) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                JarProcess client = JarProcess.start("tcp-client", "--port", String.valueOf(listener.getLocalPort()))) {
            listener.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
            try (Socket peer = listener.accept()) {
                peer.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
                client.sendLine("before the signal");
                byte[] expected = "before the signal\n".getBytes(StandardCharsets.UTF_8);
                assertThat(peer.getInputStream().readNBytes(expected.length)).isEqualTo(expected);
                client.signal(signal);
                assertThat(peer.getInputStream().read()).as("the client's end of stream").isEqualTo(-1);
            } // the server closes in answer, as a loopwire server does
            assertStoppedCleanly(client);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void udpClientSaysQuitAndExitsZero(String signal) throws Exception {
        try (DatagramSocket server = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                JarProcess client = JarProcess.start("udp-client", "--port", String.valueOf(server.getLocalPort()))) {
            server.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            server.receive(p);
            assertThat(text(p)).startsWith("/hello");
            server.send(new DatagramPacket("* welcome".getBytes(StandardCharsets.UTF_8), 9,
                    (InetSocketAddress) p.getSocketAddress()));
            client.signal(signal);
            do {
                p = new DatagramPacket(new byte[2048], 2048);
                server.receive(p);
            } while (!text(p).equals("/quit"));
            assertStoppedCleanly(client);
        }
    }

    private static String text(DatagramPacket p) {
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    private static void assertStoppedCleanly(JarProcess p) throws Exception {
        Poll.until(JarProcess.ARRIVES.multipliedBy(2), () -> !p.isAlive(), "the process exits");
        assertThat(p.awaitExit()).as(p.describe()).isZero();
        assertThat(p.stderr()).as(p.describe()).noneMatch(line -> line.contains("fatal"))
                .noneMatch(line -> line.contains("Exception"));
    }
}
