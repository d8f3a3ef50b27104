package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code server --http-port} and {@code monitor --http-port} as processes: the address lines, /metrics in both text
 * formats, /healthz, the monitor's page, API and uPlot from the jar, and the argument errors.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HttpCommandLineTest {
    private static final Pattern READY = Pattern.compile(
            "ready tcp=127\\.0\\.0\\.1:(\\d+) udp=127\\.0\\.0\\.1:(\\d+) http=(127\\.0\\.0\\.1:\\d+)");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void serverServesMetricsAndHealthOnTheAddressInItsReadyLine() throws Exception {
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--http-port", "0")) {
            Matcher ready = READY.matcher(server.awaitLine("the ready line", l -> l.startsWith("ready ")));
            assertThat(ready.matches()).as(server.describe()).isTrue();
            String base = "http://" + ready.group(3);

            HttpResponse<String> text = get(base + "/metrics", null);
            assertThat(text.statusCode()).isEqualTo(200);
            assertThat(text.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(text.body()).contains("# TYPE loopwire_tcp_connections gauge",
                    "loopwire_tcp_connections{listener=\"127.0.0.1:" + ready.group(1) + "\"} 0.0",
                    "# TYPE loopwire_relay_deliveries_total counter", "# TYPE loopwire_reactor_turn_seconds histogram");

            HttpResponse<String> open = get(base + "/metrics", "application/openmetrics-text; version=1.0.0");
            assertThat(open.headers().firstValue("Content-Type").orElse("")).startsWith("application/openmetrics-text");
            assertThat(open.body()).endsWith("# EOF\n");

            HttpResponse<String> health = get(base + "/healthz", null);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");

            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(get(base + "/nothing-here", null).statusCode()).isEqualTo(404);
            HttpResponse<String> index = get(base + "/", null);
            assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(index.body()).contains("<a href=\"/metrics\">", "<a href=\"/healthz\">");
        }
    }

    @Test
    void monitorPrintsItsHttpLineAndServesPageApiAndMetrics() throws Exception {
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0")) {
            String udp = server.awaitLine("the ready line", l -> l.startsWith("ready ")).replaceAll(".*udp=", "");
            try (JarProcess monitor = JarProcess.start("monitor", "--target", udp, "--interval", "200ms",
                    "--http-port", "0", "--history", "5m")) {
                String line = monitor.awaitLine("the http line", l -> l.startsWith("http="));
                assertThat(line).matches("http=127\\.0\\.0\\.1:\\d+");
                String base = "http://" + line.substring(5);
                monitor.awaitLine("a round", l -> l.contains(udp) && l.contains("NORMAL"));

                HttpResponse<String> api = get(base + "/api/targets", null);
                assertThat(api.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
                assertThat(api.body()).startsWith("[{\"target\":\"" + udp + "\"").contains("\"state\":\"NORMAL\"",
                        "\"sent\":", "\"received\":", "\"last_rtt_ms\":", "\"smoke\":{\"bucket_seconds\":");

                HttpResponse<String> page = get(base + "/", null);
                assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
                assertThat(page.body()).contains("/uplot/uPlot.iife.min.js", "data-interval-ms=\"200\"");
                // First paint: the target's element and its data are in the HTML itself, before any script runs.
                assertThat(page.body()).contains("<section class=\"target\" data-target=\"" + udp + "\" data-state=\"",
                        "<script id=\"first-data\" type=\"application/json\">[[{\"target\":\"" + udp + "\"");
                HttpResponse<String> uplot = get(base + "/uplot/uPlot.iife.min.js", null);
                assertThat(uplot.statusCode()).isEqualTo(200);
                assertThat(uplot.body()).contains("uPlot");

                HttpResponse<String> metrics = get(base + "/metrics", null);
                assertThat(metrics.body()).contains("smokeping_requests_total{host=\"" + udp + "\",ip=\"127.0.0.1\"}",
                        "loopwire_probe_state{state=\"NORMAL\",target=\"" + udp + "\"} 1.0",
                        "loopwire_alerts_total{outcome=\"sent\",sink=\"console\"}");
                assertThat(get(base + "/healthz", null).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void serverWithATokenFileGuardsAllButHealthzAndWarnsThatItIsInTheClear() throws Exception {
        java.nio.file.Path tokenFile = java.nio.file.Files.createTempFile("loopwire-token", ".txt");
        try {
            java.nio.file.Files.writeString(tokenFile, "cli-token-123\n");
            try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--http-port",
                    "0", "--http-token-file", tokenFile.toString())) {
                Matcher ready = READY.matcher(server.awaitLine("the ready line", l -> l.startsWith("ready ")));
                assertThat(ready.matches()).as(server.describe()).isTrue();
                String base = "http://" + ready.group(3);
                assertThat(get(base + "/metrics", null).statusCode()).isEqualTo(401);
                assertThat(get(base + "/", null).statusCode()).isEqualTo(401);
                HttpResponse<String> with = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                        .header("Authorization", "Bearer cli-token-123").build(), HttpResponse.BodyHandlers.ofString());
                assertThat(with.statusCode()).isEqualTo(200);
                assertThat(with.body()).contains("loopwire_tcp_connections");
                HttpResponse<String> index = http.send(HttpRequest.newBuilder(URI.create(base + "/"))
                        .header("Authorization", "Bearer cli-token-123").build(), HttpResponse.BodyHandlers.ofString());
                assertThat(index.body()).contains("href=\"/metrics\"", "href=\"/healthz\"");
                assertThat(get(base + "/healthz", null).statusCode()).isEqualTo(200);
                io.loopwire.Poll.until(() -> String.join("\n", server.stderr()).contains("bearer token in the clear"),
                        "the warning that the token travels in the clear");
            }
            java.nio.file.Files.writeString(tokenFile, "  \n");
            try (JarProcess empty = JarProcess.start("server", "--http-port", "0", "--http-token-file",
                    tokenFile.toString())) {
                assertThat(empty.awaitExit()).isEqualTo(2);
                assertThat(empty.stderr().get(0)).contains("--http-token-file", "the token is empty");
            }
        } finally {
            java.nio.file.Files.deleteIfExists(tokenFile);
        }
    }

    @Test
    void aBadHttpPortIsAUsageErrorAndABusyOneAClearFailure() throws Exception {
        try (JarProcess bad = JarProcess.start("server", "--http-port", "70000")) {
            assertThat(bad.awaitExit()).isEqualTo(2);
            assertThat(bad.stderr().get(0)).contains("--http-port must be in 0..65535, was 70000");
        }
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--http-port",
                     String.valueOf(busy.getLocalPort()))) {
            assertThat(server.awaitExit()).isEqualTo(1);
            assertThat(String.join("\n", server.stderr())).contains("cannot serve HTTP").doesNotContain("Exception in");
        }
    }

    private HttpResponse<String> get(String url, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
