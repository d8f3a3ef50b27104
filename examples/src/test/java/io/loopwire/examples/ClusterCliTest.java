package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.testkit.NatsServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code server --cluster}: two server processes and a real nats-server make one room; bad cluster options. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterCliTest {
    private static final Pattern READY = Pattern.compile("ready tcp=127\\.0\\.0\\.1:(\\d+) udp=.*");

    @Test
    void twoServersOnOneNatsServerShareTheRoom() throws Exception {
        try (NatsServer nats = NatsServer.startOrSkip();
                JarProcess a = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--cluster",
                        nats.url(), "--cluster-room", "cli", "--node-id", "a");
                JarProcess b = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--cluster",
                        nats.url(), "--cluster-room", "cli", "--node-id", "b")) {
            int portA = tcpPort(a);
            int portB = tcpPort(b);
            try (Socket onA = connect(portA); Socket onB = connect(portB)) {
                BufferedReader inA = reader(onA);
                String bPeer = "127.0.0.1:" + onB.getLocalPort();
                assertThat(inA.readLine()).isEqualTo("* " + bPeer + " joined");
                OutputStream outB = onB.getOutputStream();
                outB.write("across the bus\n".getBytes(StandardCharsets.UTF_8));
                outB.flush();
                assertThat(inA.readLine()).isEqualTo("[" + bPeer + "] across the bus");

                b.close(); // SIGTERM: b's loop closes, its member leaves, the bridge publishes the leave
                assertThat(inA.readLine()).isEqualTo("* " + bPeer + " left");
            }
        }
    }

    @Test
    void unreachableNatsExitsOneWithAClearMessage() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // nothing listens there once closed
        }
        try (JarProcess p = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--cluster",
                "nats://127.0.0.1:" + port)) {
            assertThat(p.awaitExit()).as(p.describe()).isEqualTo(1);
            assertThat(p.stdout()).as("no ready line").isEmpty();
            assertThat(String.join("\n", p.stderr())).contains("cannot connect to NATS", String.valueOf(port));
        }
    }

    @Test
    void badClusterOptionsAreUsageErrors() throws Exception {
        assertUsageError("--cluster", "server", "--cluster", "http://127.0.0.1:4222");
        assertUsageError("--cluster-room", "server", "--cluster", "nats://127.0.0.1:4222", "--cluster-room", "a.b");
        assertUsageError("--node-id", "server", "--cluster", "nats://127.0.0.1:4222", "--node-id", "x y");
        assertUsageError("--node-id", "server", "--node-id", "a");
        assertUsageError("--separate-rooms", "server", "--cluster", "nats://127.0.0.1:4222", "--separate-rooms");
    }

    private static void assertUsageError(String option, String... args) throws Exception {
        try (JarProcess p = JarProcess.start(args)) {
            assertThat(p.awaitExit()).as(p.describe()).isEqualTo(2);
            assertThat(p.stderr()).as(p.describe()).isNotEmpty();
            assertThat(p.stderr().get(0)).as(p.describe()).contains(option);
            assertThat(p.stdout()).isEmpty();
        }
    }

    private static int tcpPort(JarProcess server) {
        Matcher m = READY.matcher(server.awaitLine("the ready line", line -> line.startsWith("ready ")));
        assertThat(m.matches()).as(server.describe()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static Socket connect(int port) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
        return s;
    }

    private static BufferedReader reader(Socket s) throws Exception {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }
}
