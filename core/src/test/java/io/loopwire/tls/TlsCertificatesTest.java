package io.loopwire.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.tcp.CloseReason;
import io.loopwire.tcp.TcpHandler;
import io.loopwire.tcp.TcpServer;
import io.loopwire.testkit.TestCerts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates as operators give them: PEM chain and PKCS#8 key (RSA and EC), PKCS#12 with a password, client
 * certificates, rotation without dropping connections, and clear errors for the files nginx users get wrong.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsCertificatesTest {

    private static final TcpHandler ECHO = (connection, line) -> {
        ByteBuffer reply = ByteBuffer.allocate(line.remaining() + 1);
        reply.put(line).put((byte) '\n').flip();
        connection.send(reply);
    };

    /** A connected client that has said one line and heard it back; its view of the server's certificate. */
    private static final class Client implements AutoCloseable {
        final SSLSocket socket;
        final BufferedReader in;

        Client(SSLContext context, int port) throws IOException {
            socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        String echo(String line) throws IOException {
            socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            return in.readLine();
        }

        BigInteger serverSerial() throws IOException {
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static TcpServer echoServer(Reactor reactor, TlsConfig tls) throws IOException {
        return TcpServer.builder(reactor).handler(ECHO).tls(tls).start();
    }

    @Test
    void rsaPemAndPkcs12ServeTheSameChain(@TempDir Path dir) throws Exception {
        TestCerts certs = TestCerts.newCa(dir).issue("rsa", "rsa");
        SSLContext trust = PemFiles.clientContext(certs.caPem());
        try (Reactor reactor = new Reactor("tls-certs").start()) {
            TcpServer pem = echoServer(reactor, TlsConfig.server(PemFiles.serverContext(certs.chain("rsa"),
                    certs.key("rsa"))).build());
            Path passwordFile = dir.resolve("password");
            Files.writeString(passwordFile, TestCerts.P12_PASSWORD + "\n");
            TcpServer p12 = echoServer(reactor, TlsConfig.server(KeyStoreFiles.serverContext(certs.p12("rsa"),
                    KeyStoreFiles.readPassword(passwordFile, null), null)).build());
            try (Client a = new Client(trust, pem.localAddress().getPort());
                 Client b = new Client(trust, p12.localAddress().getPort())) {
                assertThat(a.echo("pem")).isEqualTo("pem");
                assertThat(b.echo("p12")).isEqualTo("p12");
                assertThat(a.serverSerial()).isEqualTo(b.serverSerial());
                assertThat(a.socket.getSession().getPeerCertificates()).hasSize(2); // leaf and CA: the chain
            }
        }
    }

    @Test
    void clientCertificatesAreRequiredWhenAsked(@TempDir Path dir) throws Exception {
        TestCerts certs = TestCerts.newCa(dir).issue("server", "ec").issue("client", "ec");
        SSLContext withCert = PemFiles.context(PemFiles.keyManagers(PemFiles.readPrivateKey(certs.key("client")),
                PemFiles.readCertificates(certs.chain("client"))), PemFiles.trustManagers(
                PemFiles.readCertificates(certs.caPem())));
        SSLContext withoutCert = PemFiles.clientContext(certs.caPem());
        try (Reactor reactor = new Reactor("tls-client-certs").start()) {
            TcpServer server = echoServer(reactor, TlsConfig.server(PemFiles.serverContext(certs.chain("server"),
                    certs.key("server"), certs.caPem())).needClientAuth(true).build());
            int port = server.localAddress().getPort();
            try (Client good = new Client(withCert, port)) {
                assertThat(good.echo("with a certificate")).isEqualTo("with a certificate");
            }
            try (Client bad = new Client(withoutCert, port)) {
                assertThatThrownBy(() -> bad.echo("without")).isInstanceOf(IOException.class);
            }
            Poll.onLoopUntil(reactor, () -> server.stats().closed(CloseReason.TLS_HANDSHAKE_FAILED) == 1,
                    "the refused client counted");
        }
    }

    @Test
    void replacedFilesServeNewConnectionsAndKeepOldOnes(@TempDir Path dir) throws Exception {
        TestCerts certs = TestCerts.newCa(dir).issue("old", "ec").issue("new", "ec");
        Path cert = dir.resolve("live.pem");
        Path key = dir.resolve("live.key");
        Files.copy(certs.chain("old"), cert);
        Files.copy(certs.key("old"), key);
        SSLContext trust = PemFiles.clientContext(certs.caPem());
        try (Reactor reactor = new Reactor("tls-rotation").start();
             CertificateReloader reloader = CertificateReloader.start(() -> PemFiles.serverContext(cert, key),
                     Duration.ofMillis(100), cert, key)) {
            TcpServer server = echoServer(reactor, TlsConfig.server(reloader).build());
            int port = server.localAddress().getPort();
            try (Client before = new Client(trust, port)) {
                assertThat(before.echo("first")).isEqualTo("first");
                BigInteger oldSerial = before.serverSerial();

                // Rotate as certbot does: new files moved into place (key first; a half-done pair is refused).
                Path tmpKey = dir.resolve("live.key.tmp");
                Path tmpCert = dir.resolve("live.pem.tmp");
                Files.copy(certs.key("new"), tmpKey);
                Files.copy(certs.chain("new"), tmpCert);
                Files.move(tmpKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmpCert, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Poll.until(() -> reloader.reloads() >= 1, "the reload");
                try (Client after = new Client(trust, port)) {
                    assertThat(after.echo("second")).isEqualTo("second");
                    assertThat(after.serverSerial()).isNotEqualTo(oldSerial);
                }
                assertThat(before.echo("still here")).isEqualTo("still here");
                assertThat(before.serverSerial()).isEqualTo(oldSerial);
            }
        }
    }

    @Test
    void keyFilesNginxUsersGetWrongAreRefusedWithTheFix(@TempDir Path dir) throws Exception {
        TestCerts certs = TestCerts.newCa(dir).issue("a", "ec").issue("b", "rsa");
        assertThatThrownBy(() -> PemFiles.serverContext(certs.chain("a"), certs.key("b")))
                .isInstanceOf(IOException.class).hasMessageContaining("is not the private key of");
        Path pkcs1 = dir.resolve("pkcs1.key");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> PemFiles.readPrivateKey(pkcs1)).isInstanceOf(IOException.class)
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        assertThatThrownBy(() -> PemFiles.readCertificates(certs.key("a"))).isInstanceOf(IOException.class)
                .hasMessageContaining("no -----BEGIN CERTIFICATE-----");
        assertThatThrownBy(() -> KeyStoreFiles.serverContext(certs.p12("a"), "wrong".toCharArray(), null))
                .isInstanceOf(IOException.class).hasMessageContaining("a.p12");
    }
}
