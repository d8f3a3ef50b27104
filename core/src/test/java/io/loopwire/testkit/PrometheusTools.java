package io.loopwire.testkit;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Prometheus and Alertmanager as real processes for tests, each on a free loopback port with its config and
 * storage in a temporary directory. A missing binary, or one that does not answer {@code /-/ready} within 20 s, skips
 * the calling test with the reason (never passes it). {@link #get} reads the server's HTTP API.
 */
public final class PrometheusTools implements AutoCloseable {
    public static final String ALERTMANAGER = "/usr/bin/prometheus-alertmanager";
    public static final String PROMETHEUS = "/usr/bin/prometheus";
    public static final String PROMTOOL = "/usr/bin/promtool";
    private static final Duration READY = Duration.ofSeconds(20);

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();

    private PrometheusTools(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /** Alertmanager with {@code configYaml}, gossip off, or the test is skipped. */
    public static PrometheusTools alertmanagerOrSkip(Path dir, String configYaml) throws Exception {
        assumeInstalled(ALERTMANAGER, "prometheus-alertmanager");
        Path config = Files.writeString(dir.resolve("alertmanager.yml"), configYaml);
        int port = freePort();
        return start("alertmanager", port, dir, List.of(ALERTMANAGER, "--config.file=" + config,
                "--storage.path=" + Files.createDirectories(dir.resolve("am-data")),
                "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=", "--log.level=info"));
    }

    /** Prometheus with {@code configYaml}, or the test is skipped. */
    public static PrometheusTools prometheusOrSkip(Path dir, String configYaml) throws Exception {
        assumeInstalled(PROMETHEUS, "prometheus");
        Path config = Files.writeString(dir.resolve("prometheus.yml"), configYaml);
        int port = freePort();
        return start("prometheus", port, dir, List.of(PROMETHEUS, "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=info"));
    }

    /** Skips the test if {@code binary} is not installed. */
    public static void assumeInstalled(String binary, String debianPackage) {
        Assumptions.assumeTrue(new File(binary).canExecute(), binary + " not installed (apt-get install "
                + debianPackage + "); test skipped");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static PrometheusTools start(String name, int port, Path dir, List<String> command) throws Exception {
        Path log = dir.resolve(name + ".log");
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        PrometheusTools t = new PrometheusTools(name, port, log, p);
        long deadline = System.nanoTime() + READY.toNanos();
        while (!t.ready()) {
            if (!p.isAlive() || System.nanoTime() - deadline > 0) {
                String tail = t.logTail();
                t.close();
                Assumptions.abort(name + " did not become ready on port " + port + ": " + tail);
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling a starting server, bounded by the deadline above
        }
        return t;
    }

    private boolean ready() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** GETs {@code pathAndQuery} and returns the body; a status other than 200 throws with the body. */
    public String get(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(name + " answered " + r.statusCode() + " to " + pathAndQuery + ": " + r.body());
        }
        return r.body();
    }

    /** URL-encodes a query parameter value. */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The last lines of the server's log, for failure messages. */
    public String logTail() {
        try {
            String text = Files.readString(log);
            return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public String toString() {
        return name + "@" + url();
    }
}
