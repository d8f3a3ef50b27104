package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.testkit.TestCerts;
import io.loopwire.tls.PemFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server --http-tls-cert/--http-tls-key} with a token, as a process: Prometheus's {@code tls_config} plus
 * {@code credentials_file}. HTTPS with a certificate from a test CA; 401 without the token, 200 and the metrics with
 * it; {@code /healthz} open; a key without its certificate is a usage error.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HttpsCommandLineTest {
    @TempDir
    Path dir;

    @Test
    void serverServesMetricsOverHttpsBehindAToken() throws Exception {
        Assumptions.assumeTrue(TestCerts.available(), TestCerts.MISSING);
        TestCerts certs = TestCerts.newCa(dir).issue("web", "ec");
        Path token = Files.writeString(dir.resolve("token"), "s3cret-token\n");
        HttpClient https = HttpClient.newBuilder().sslContext(PemFiles.clientContext(certs.caPem()))
                .connectTimeout(Duration.ofSeconds(5)).build();
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--http-port", "0",
                "--http-tls-cert", certs.chain("web").toString(), "--http-tls-key", certs.key("web").toString(),
                "--http-token-file", token.toString())) {
            String ready = server.awaitLine("the ready line", l -> l.startsWith("ready "));
            String port = ready.replaceAll(".* http=127\\.0\\.0\\.1:(\\d+).*", "$1");
            String base = "https://localhost:" + port; // the certificate names localhost

            assertThat(https.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            HttpResponse<String> metrics = https.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .header("Authorization", "Bearer s3cret-token").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("loopwire_tcp_connections");
            assertThat(https.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            assertThat(String.join("\n", server.stderr())).doesNotContain("in the clear");
        }
        try (JarProcess alone = JarProcess.start("server", "--http-port", "0", "--http-tls-key",
                certs.key("web").toString())) {
            assertThat(alone.awaitExit()).isEqualTo(2);
            assertThat(alone.stderr().get(0)).contains("--http-tls-cert and --http-tls-key go together");
        }
    }
}
