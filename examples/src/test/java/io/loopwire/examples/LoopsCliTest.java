package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code server --loops N}: one room over N loops, from outside; bad values are usage errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopsCliTest {
    private static final Pattern READY = Pattern.compile("ready tcp=127\\.0\\.0\\.1:(\\d+) udp=.*");
    private static final Pattern READY_HTTP = Pattern.compile(
            "ready tcp=127\\.0\\.0\\.1:(\\d+) udp=\\S+ http=(127\\.0\\.0\\.1:\\d+)");

    @Test
    void twoLoopsServeOneRoom() throws Exception {
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--loops", "2",
                "--pack-below", "0", "--http-port", "0")) {
            Matcher m = READY_HTTP.matcher(server.awaitLine("the ready line", line -> line.startsWith("ready ")));
            assertThat(m.matches()).as(server.describe()).isTrue();
            int port = Integer.parseInt(m.group(1));
            URI metrics = URI.create("http://" + m.group(2) + "/metrics");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            List<Socket> sockets = new ArrayList<>();
            try {
                // Eight members, spread from the first (--pack-below 0): four on each loop, so lines cross. Two loops
                // accept and place concurrently, so sockets connected one after the other may join in either order:
                // each connects once the one before it is in the room, and hears every later member's join.
                for (int i = 0; i < 8; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    s.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
                    sockets.add(s);
                    int members = i + 1;
                    Poll.until(JarProcess.ARRIVES, () -> membersOnAllLoops(http, metrics) == members,
                            members + " members in the room");
                }
                Socket last = sockets.get(sockets.size() - 1);
                String lastPeer = "127.0.0.1:" + last.getLocalPort();
                List<BufferedReader> readers = new ArrayList<>();
                for (Socket s : sockets.subList(0, sockets.size() - 1)) {
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.UTF_8));
                    readers.add(r);
                    String line;
                    do {
                        line = r.readLine();
                    } while (line != null && !line.equals("* " + lastPeer + " joined"));
                    assertThat(line).isNotNull();
                }
                OutputStream out = last.getOutputStream();
                out.write("hello all loops\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                for (BufferedReader r : readers) {
                    assertThat(r.readLine()).isEqualTo("[" + lastPeer + "] hello all loops");
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    /** The room's members over every loop, from {@code loopwire_relay_members}. */
    private static int membersOnAllLoops(HttpClient http, URI metrics) throws Exception {
        String body = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double members = 0;
        for (String line : body.split("\n")) {
            if (line.startsWith("loopwire_relay_members{")) {
                members += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (int) members;
    }

    /** {@code --http-port} with two loops: every loop's meters apart, by {@code loop} label; /healthz checks both. */
    @Test
    void twoLoopsServeMetricsWithALoopLabelAndHealth() throws Exception {
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--loops", "2",
                "--http-port", "0", "--loop-window", "1MiB")) {
            Matcher m = READY_HTTP.matcher(server.awaitLine("the ready line", line -> line.startsWith("ready ")));
            assertThat(m.matches()).as(server.describe()).isTrue();
            String base = "http://" + m.group(2);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            String listener = "listener=\"127.0.0.1:" + m.group(1) + "\"";
            for (String loop : new String[] {"0", "1"}) {
                assertThat(metrics.body()).contains("loopwire_reactor_turns_total{loop=\"" + loop + "\"}",
                        "loopwire_tcp_connections{" + listener + ",loop=\"" + loop + "\"}",
                        "loopwire_relay_members{loop=\"" + loop + "\",room=\"shared\"}",
                        "loopwire_group_stalled{loop=\"" + loop + "\"} 0.0",
                        "loopwire_group_lines_dropped_total{loop=\"" + loop + "\"} 0.0");
            }
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
        }
    }

    @Test
    void badLoopsAreUsageErrors() throws Exception {
        for (String[] args : new String[][] {{"server", "--loops", "0"}, {"server", "--loops", "many"},
                {"server", "--loops", "2", "--separate-rooms"}, {"server", "--loops", "2", "--loop-window", "1KiB"},
                {"server", "--loops", "2", "--loop-stall-timeout", "0s"},
                {"server", "--loops", "2", "--pack-below", "-1"}}) {
            try (JarProcess p = JarProcess.start(args)) {
                assertThat(p.awaitExit()).as(p.describe()).isEqualTo(2);
                assertThat(p.stderr().get(0)).as(p.describe()).containsAnyOf("--loop", "--pack-below");
                assertThat(p.stdout()).isEmpty();
            }
        }
    }
}
