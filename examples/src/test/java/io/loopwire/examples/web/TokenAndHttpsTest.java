package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.Reactor;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bearer token guards every path but {@code /healthz} (401 without or with a wrong one, 200 with it), over plain HTTP
 * and over HTTPS with a certificate made by keytool at test time; a client that stalls mid-handshake is closed by the
 * request limit and blinds nobody meanwhile.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TokenAndHttpsTest {
    private static final String TOKEN = "s3cret-token-for-tests";
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    Path dir;

    @Test
    void theTokenGuardsEveryPathButHealthzOverPlainHttp() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), "  " + TOKEN + "\n\n");
        Reactor reactor = new Reactor("token-test").start();
        try (HttpEndpoint endpoint = new LoopMetrics(reactor).endpoint(InetAddress.getLoopbackAddress(), 0)
                .token(BearerToken.read(tokenFile)).start()) {
            checkGuarded(HttpClient.newHttpClient(), endpoint.url());
        } finally {
            reactor.close();
        }
    }

    @Test
    void httpsServesTheSamePathsBehindTheTokenAndClosesAStalledHandshake() throws Exception {
        Path keystore = makeKeystore();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD);
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks); // trusts the certificate of the key entry: this test's self-signed one
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);

        Reactor reactor = new Reactor("https-test").start();
        try (HttpEndpoint endpoint = new LoopMetrics(reactor).endpoint(InetAddress.getLoopbackAddress(), 0)
                .token(BearerToken.of(TOKEN)).tls(server).start()) {
            assertThat(endpoint.url()).startsWith("https://127.0.0.1:");
            HttpClient https = HttpClient.newBuilder().sslContext(client).connectTimeout(Duration.ofSeconds(2)).build();
            checkGuarded(https, endpoint.url());
            // Plain HTTP to the HTTPS port is no way in.
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            assertThatThrownBy(() -> plain.send(request(URI.create("http://" + endpoint.hostPort() + "/healthz"), null),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);

            try (Socket stalled = new Socket(endpoint.address().getAddress(), endpoint.address().getPort())) {
                long sentAt = System.nanoTime();
                stalled.getOutputStream().write(new byte[] {0x16, 0x03, 0x01}); // the start of a ClientHello, no more
                for (int i = 0; i < 5; i++) {
                    long start = System.nanoTime();
                    assertThat(send(https, endpoint.url() + "/healthz", null).statusCode()).isEqualTo(200);
                    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThanOrEqualTo(1_000);
                }
                long closedMillis = awaitClosed(stalled, sentAt, 15_000);
                System.out.printf("[figures] a handshake stalled after 3 bytes closed after %d ms%n", closedMillis);
            }
        } finally {
            reactor.close();
        }
    }

    private static void checkGuarded(HttpClient http, String base) throws Exception {
        for (String path : List.of("/metrics", "/")) {
            HttpResponse<String> none = send(http, base + path, null);
            assertThat(none.statusCode()).as(path + " without a token").isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"loopwire\"");
            assertThat(none.body()).doesNotContain("loopwire_");
            assertThat(send(http, base + path, "Bearer wrong").statusCode()).as(path + " wrong token").isEqualTo(401);
            assertThat(send(http, base + path, "Basic " + TOKEN).statusCode()).as(path + " other scheme")
                    .isEqualTo(401);
            assertThat(send(http, base + path, "Bearer " + TOKEN).statusCode()).as(path + " with the token")
                    .isEqualTo(200);
        }
        assertThat(send(http, base + "/metrics", "bearer " + TOKEN).body()).contains("loopwire_reactor_turns_total");
        assertThat(send(http, base + "/healthz", null).statusCode()).as("/healthz stays open").isEqualTo(200);
    }

    private static HttpResponse<String> send(HttpClient http, String url, String authorization) throws Exception {
        return http.send(request(URI.create(url), authorization), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(URI uri, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b.build();
    }

    /** A PKCS#12 keystore with a fresh EC key and a self-signed certificate for localhost and 127.0.0.1. */
    private Path makeKeystore() throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Assumptions.assumeTrue(Files.isExecutable(keytool), "keytool not found at " + keytool);
        Path keystore = dir.resolve("http.p12");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "http", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass",
                new String(PASSWORD), "-keypass", new String(PASSWORD)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(p.exitValue()).as("keytool: " + output).isZero();
        return keystore;
    }

    private static long awaitClosed(Socket s, long sentAt, long boundMillis) throws IOException {
        InputStream in = s.getInputStream();
        byte[] sink = new byte[1024];
        while (true) {
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
            if (elapsed > boundMillis) {
                throw new AssertionError("a stalled handshake still open after " + elapsed + " ms");
            }
            s.setSoTimeout((int) (boundMillis + 1 - elapsed));
            try {
                if (in.read(sink) < 0) {
                    break;
                }
            } catch (SocketTimeoutException stillOpen) {
                continue; // fails at the bound above
            } catch (IOException reset) {
                break;
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
    }
}
