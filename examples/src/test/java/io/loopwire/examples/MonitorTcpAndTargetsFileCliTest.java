package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.PingEcho;
import io.loopwire.testkit.JsonValue;
import io.loopwire.udp.UdpEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code monitor --targets-file FILE} as a process, with mixed kinds: a {@code tcp://} listener is NORMAL, a closed
 * {@code tcp://} port is DOWN with reason "refused" (its alert carries the file's labels and the tcp:// address), a
 * UDP echo is NORMAL; the API shows each target's kind. The file is then changed while running: a version with a bad
 * line is reported with its line number and changes nothing; a valid one drops a target and keeps the history of the
 * others.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MonitorTcpAndTargetsFileCliTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @Test
    void mixedKindsFromATargetsFileReReadWhileRunning(@TempDir Path dir) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            closed = s.getLocalPort();
        }
        List<String> hooks = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 10);
        receiver.createContext("/hook", exchange -> {
            try (exchange) {
                hooks.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        receiver.start();
        try (Reactor echoes = new Reactor("cli-echo").start();
                ServerSocket listener = new ServerSocket(0, 50, LOOPBACK)) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        try (Socket s = listener.accept()) {
                            s.getInputStream().read(); // until the prober closes it
                        }
                    }
                } catch (IOException e) {
                    // the listener closed: the test is over
                }
            }, "test-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            InetSocketAddress echo = UdpEndpoint.builder(echoes).bind(new InetSocketAddress(LOOPBACK, 0))
                    .handler(new PingEcho()::answer).start().localAddress();
            Path file = dir.resolve("targets");
            List<String> lines = List.of(
                    "# kind://host:port  name=...  labels",
                    "tcp://127.0.0.1:" + listener.getLocalPort() + " name=db team=core",
                    "tcp://127.0.0.1:" + closed + " name=closed team=core site=paris",
                    "",
                    "udp://127.0.0.1:" + echo.getPort() + " name=echo   # LWP1 echo");
            Files.write(file, lines);
            try (JarProcess monitor = JarProcess.start("monitor", "--targets-file", file.toString(),
                    "--targets-poll", "100ms", "--interval", "100ms", "--timeout", "500ms", "--group-wait", "0s",
                    "--http-port", "0", "--webhook", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")) {
                String base = "http://" + monitor.awaitLine("the http line", l -> l.startsWith("http=")).substring(5);
                Poll.until(Duration.ofSeconds(30), () -> {
                    Map<String, Map<String, Object>> t = targets(base);
                    return t.size() == 3 && "NORMAL".equals(t.get("db").get("state"))
                            && "DOWN".equals(t.get("closed").get("state"))
                            && "NORMAL".equals(t.get("echo").get("state"));
                }, "db NORMAL, closed DOWN, echo NORMAL; monitor: " + monitor.describe());
                Map<String, Map<String, Object>> t = targets(base);
                assertThat(t.get("db")).containsEntry("kind", "tcp").doesNotContainKey("reason");
                assertThat(t.get("closed")).containsEntry("kind", "tcp").containsEntry("reason", "refused")
                        .containsEntry("labels", Map.of("site", "paris", "team", "core"));
                assertThat(t.get("echo")).containsEntry("kind", "udp");
                monitor.awaitLine("a refused round",
                        l -> l.contains("closed") && l.contains("no connection (refused)"));

                Poll.until(() -> hooks.stream().anyMatch(h -> h.contains("\"name\":\"closed\"")), "closed's alert");
                String hook = hooks.stream().filter(h -> h.contains("\"name\":\"closed\"")).findFirst().orElseThrow();
                assertThat(hook).contains("\"team\":\"core\"", "\"site\":\"paris\"",
                        "\"target\":\"tcp://127.0.0.1:" + closed + "\"");

                // A bad line: reported with its number, nothing changes.
                rewrite(file, List.of(lines.get(1), "tcp://127.0.0.1:99999 name=bad", lines.get(4)));
                monitor.awaitLine("the refused file", l -> l.contains("line 2:") && l.contains("keeping the current"));
                assertThat(targets(base)).containsKeys("db", "closed", "echo");

                // Valid: closed goes, db and echo keep counting from where they were.
                double dbSent = number(targets(base).get("db").get("sent"));
                rewrite(file, List.of(lines.get(1), lines.get(4)));
                monitor.awaitLine("the re-read file", l -> l.contains("2 targets (2 unchanged, 0 new, 1 removed)"));
                Map<String, Map<String, Object>> after = targets(base);
                assertThat(after).containsOnlyKeys("db", "echo");
                assertThat(number(after.get("db").get("sent"))).isGreaterThanOrEqualTo(dbSent);
                assertThat(monitor.isAlive()).isTrue();
            }
        } finally {
            receiver.stop(0);
        }
    }

    /**
     * {@code tls://} from the command line: a TLS listener (loopwire's own, in this JVM) whose certificate (made by
     * keytool, trusted through {@code --tls-ca}) expires in 3 days: NORMAL, and a certificate alert line with the date;
     * the API shows the kind, the expiry and no problem.
     */
    @Test
    void tlsTargetWithACertificateExpiringIn3Days(@TempDir Path dir) throws Exception {
        String pw = "test-only";
        keytool(dir, "-genkeypair", "-alias", "s", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "san=dns:localhost", "-validity", "3", "-keystore", "s.p12", "-storetype", "PKCS12",
                "-storepass", pw, "-keypass", pw);
        keytool(dir, "-exportcert", "-rfc", "-alias", "s", "-keystore", "s.p12", "-storepass", pw, "-file", "s.pem");
        try (Reactor loop = new Reactor("cli-tls").start()) {
            io.loopwire.tcp.TcpServer server = io.loopwire.tcp.TcpServer.builder(loop)
                    .bind(new InetSocketAddress(LOOPBACK, 0))
                    .tls(io.loopwire.tls.TlsConfig.server(io.loopwire.tls.KeyStoreFiles.serverContext(
                            dir.resolve("s.p12"), pw.toCharArray(), null)).build())
                    .handler((connection, frame) -> { }).start();
            String target = "tls://localhost:" + server.localAddress().getPort();
            try (JarProcess monitor = JarProcess.start("monitor", "--target", target, "--tls-ca",
                    dir.resolve("s.pem").toString(), "--interval", "200ms", "--timeout", "3s", "--http-port", "0")) {
                String base = "http://" + monitor.awaitLine("the http line", l -> l.startsWith("http=")).substring(5);
                String alert = monitor.awaitLine("the certificate alert",
                        l -> l.contains("ALERT [loopwire] certificate of " + target + " expires"));
                assertThat(alert).contains("(in 2 days, warning at 14)");
                Poll.until(Duration.ofSeconds(30), () -> "NORMAL".equals(targets(base).get(target).get("state")),
                        "the tls target NORMAL; monitor: " + monitor.describe());
                Map<String, Object> t = targets(base).get(target);
                assertThat(t).containsEntry("kind", "tls").containsEntry("cert_problem", null)
                        .containsEntry("cert_days_left", 2.0);
                assertThat((String) t.get("cert_not_after")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
                String metrics = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("loopwire_probe_tls_cert_expiry_seconds{target=\"" + target + "\"}",
                        "loopwire_probe_tls_cert_valid{target=\"" + target + "\"} 1.0",
                        "loopwire_probe_tls_handshake_seconds_bucket{target=\"" + target + "\",le=");
            } finally {
                server.close();
            }
        }
    }

    private static void keytool(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool failed: " + new String(out, StandardCharsets.UTF_8));
        }
    }

    private static void rewrite(Path file, List<String> lines) throws IOException {
        FileTime previous = Files.getLastModifiedTime(file);
        Files.write(file, lines);
        FileTime later = FileTime.from(previous.toInstant().plusSeconds(2));
        if (Files.getLastModifiedTime(file).compareTo(later) < 0) {
            Files.setLastModifiedTime(file, later);
        }
    }

    private static double number(Object o) {
        return ((Number) o).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> targets(String base) throws IOException, InterruptedException {
        {
            String body = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/api/targets"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            Map<String, Map<String, Object>> byName = new HashMap<>();
            for (Object o : JsonValue.array(body)) {
                Map<String, Object> m = (Map<String, Object>) o;
                byName.put((String) m.get("name"), m);
            }
            return byName;
        }
    }
}
