package io.loopwire.cluster;

import static io.loopwire.cluster.ClusterNode.NATS_PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.Poll;
import io.loopwire.testkit.NatsServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * NATS' own authentication and TLS, as users configure them in the url (through jnats): a token, a user and password,
 * and {@code tls://} against a server with a certificate made by openssl for the test. Without the credentials a node
 * does not start.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NatsAuthTest {
    private final ClusterFixture fixture = new ClusterFixture();

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void nodesJoinANatsServerThatRequiresAToken() throws Exception {
        NatsServer nats = fixture.startNats(List.of("--auth", "t0ken-for-the-test"));
        String url = "nats://t0ken-for-the-test@127.0.0.1:" + nats.port();
        assertRoomWorks(url, b -> b);
        assertThatThrownBy(() -> refused(nats.url()))
                .isInstanceOf(IOException.class).hasMessageContaining("cannot connect to NATS");
        assertThatThrownBy(() -> refused("nats://wrong@127.0.0.1:" + nats.port()))
                .isInstanceOf(IOException.class).hasMessageNotContaining("wrong");
    }

    @Test
    void nodesJoinANatsServerThatRequiresAUserAndPassword() throws Exception {
        NatsServer nats = fixture.startNats(List.of("--user", "loop", "--pass", "w1re-pass"));
        assertRoomWorks("nats://loop:w1re-pass@127.0.0.1:" + nats.port(), b -> b);
        assertThatThrownBy(() -> refused("nats://loop:nope@127.0.0.1:" + nats.port()))
                .isInstanceOf(IOException.class).hasMessageNotContaining("nope");
    }

    @Test
    void nodesJoinOverTls(@TempDir Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        makeCertificate(cert, key);
        NatsServer nats = fixture.startNats(List.of("--tls", "--tlscert", cert.toString(), "--tlskey",
                key.toString()));
        assertThat(nats.url()).startsWith("tls://");
        SSLContext trusting = trusting(cert);
        assertRoomWorks(nats.url(), b -> b.sslContext(trusting));
    }

    /**
     * A node that must not get in. The server refuses it at once; the 2 s connect timeout (5 s by default) only
     * shortens how long jnats keeps trying before it gives up.
     */
    private static ClusterNode refused(String url) throws Exception {
        return ClusterNode.start("nobody", url, "auth", NatsRoomBridge.DEFAULT_MAX_LINE_BYTES,
                b -> b.connectTimeout(Duration.ofSeconds(2)));
    }

    private void assertRoomWorks(String url, UnaryOperator<NatsRoomBridge.Builder> tune) throws Exception {
        ClusterNode a = ClusterNode.start("a", url, "auth", NatsRoomBridge.DEFAULT_MAX_LINE_BYTES, tune);
        fixture.nodes.add(a);
        ClusterNode b = ClusterNode.start("b", url, "auth", NatsRoomBridge.DEFAULT_MAX_LINE_BYTES, tune);
        fixture.nodes.add(b);
        Client onA = fixture.tcpMember("a1", a);
        Client onB = fixture.tcpMember("b1", b);
        Poll.until(NATS_PATIENCE, () -> a.roomSize() == 1 && b.roomSize() == 1, "members in their rooms");
        Chat.fence("fence", onA, List.of(onB));
        Chat.send("r", List.of(onA, onB), 10);
        Chat.assertExactlyOnceInOrder("r", List.of(onA, onB), List.of(onA, onB), 10);
    }

    /** A self-signed certificate for 127.0.0.1 made by openssl, or the test is skipped saying why. */
    private static void makeCertificate(Path cert, Path key) throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/openssl").canExecute(), "openssl not installed: TLS test skipped");
        Process p = new ProcessBuilder("/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout",
                key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        Assumptions.assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.exists(cert),
                "openssl could not make a certificate: " + output);
    }

    private static SSLContext trusting(Path cert) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            store.setCertificateEntry("nats", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

}
