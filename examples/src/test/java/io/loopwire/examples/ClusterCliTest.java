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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
    void twoServersWithTheSameKeyOnATokenProtectedNatsServerShareTheRoom(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("cluster.key");
        Files.writeString(key, "  a key of at least thirty-two bytes, any text  \n");
        try (NatsServer nats = NatsServer.startOrSkip(List.of("--auth", "s3cret-token"))) {
            String url = "nats://s3cret-token@127.0.0.1:" + nats.port();
            try (JarProcess a = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--cluster", url,
                        "--cluster-room", "keyed", "--node-id", "a", "--cluster-key-file", key.toString(),
                        "--cluster-max-outbox", "1MiB", "--cluster-max-inbox", "1MiB");
                    JarProcess b = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--cluster", url,
                            "--cluster-room", "keyed", "--node-id", "b", "--cluster-key-file", key.toString());
                    Socket onA = connect(tcpPort(a));
                    Socket onB = connect(tcpPort(b))) {
                assertThat(a.stdout().get(0)).as("the ready line names the cluster, never its token")
                        .endsWith(" cluster=nats://127.0.0.1:" + nats.port() + " room=keyed node=a")
                        .doesNotContain("s3cret");
                BufferedReader inA = reader(onA);
                String bPeer = "127.0.0.1:" + onB.getLocalPort();
                assertThat(inA.readLine()).isEqualTo("* " + bPeer + " joined");
                onB.getOutputStream().write("signed\n".getBytes(StandardCharsets.UTF_8));
                assertThat(inA.readLine()).isEqualTo("[" + bPeer + "] signed");
            }
        }
    }

    @Test
    void badKeyFilesAndBoundsAreUsageErrors(@TempDir Path dir) throws Exception {
        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, "too short\n");
        String url = "nats://127.0.0.1:4222";
        assertUsageError("--cluster-key-file", "server", "--cluster", url, "--cluster-key-file", shortKey.toString());
        assertUsageError("--cluster-key-file", "server", "--cluster", url, "--cluster-key-file",
                dir.resolve("missing").toString());
        assertUsageError("--cluster-key-file", "server", "--cluster-key-file", shortKey.toString());
        assertUsageError("--cluster-max-outbox", "server", "--cluster", url, "--max-frame", "1MiB",
                "--cluster-max-outbox", "1MiB");
        assertUsageError("--cluster-max-inbox", "server", "--cluster", url, "--cluster-max-inbox", "1KiB");
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
            assertThat(String.join("\n", p.stderr())).contains("cannot connect to NATS", String.valueOf(port))
                    .as("no contradiction: it never was connected").doesNotContain("lost NATS");
        }
    }

    @Test
    void badClusterOptionsAreUsageErrors() throws Exception {
        assertUsageError("--cluster", "server", "--cluster", "http://127.0.0.1:4222");
        try (JarProcess p = JarProcess.start("server", "--cluster", "ftp://user:hunter2@127.0.0.1:4222")) {
            assertThat(p.awaitExit()).isEqualTo(2);
            assertThat(String.join("\n", p.stderr())).as("the password is not echoed").doesNotContain("hunter2");
        }
        assertUsageError("--cluster-room", "server", "--cluster", "nats://127.0.0.1:4222", "--cluster-room", "a.b");
        assertUsageError("--node-id", "server", "--cluster", "nats://127.0.0.1:4222", "--node-id", "x y");
        assertUsageError("--node-id", "server", "--node-id", "a");
        assertUsageError("--separate-rooms", "server", "--cluster", "nats://127.0.0.1:4222", "--separate-rooms");
    }

    private static void assertUsageError(String option, String... args) throws Exception {
        try (JarProcess p = JarProcess.start(args)) {
            assertThat(p.awaitExit()).as(p.describe()).isEqualTo(2);
            assertThat(p.stderr()).as(p.describe()).isNotEmpty();
            // A WARN log line about the key file's permissions may come first.
            assertThat(p.stderr().stream().filter(line -> !line.contains(" WARN ")).findFirst().orElse(""))
                    .as(p.describe()).contains(option);
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
