package io.loopwire.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.bench.peers.NettyRelayServer;
import io.loopwire.bench.peers.NettyTransport;
import io.loopwire.relay.ChatServer;
import io.loopwire.tls.PemFiles;
import io.loopwire.tls.TlsConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS benchmark's tools against both TLS servers it compares (loopwire's TLS listener and the Netty peer with
 * {@code SslHandler}), in-process on port 0, briefly: the fan-out over TLS loses and duplicates nothing, and full
 * handshakes complete, so {@code benchmarks/tls.sh} cannot rot. The certificate is made here with {@code openssl};
 * without it the test is skipped, saying so.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsLoadSmokeTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(LOOPBACK, 0);

    @TempDir
    static Path dir;
    private static Path cert;
    private static Path key;

    @BeforeAll
    static void makeCertificate() throws Exception {
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        Process p;
        try {
            p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        } catch (IOException e) {
            Assumptions.abort("openssl is not installed (Debian: apt-get install openssl), skipped: " + e.getMessage());
            return;
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("openssl finished").isTrue();
        assertThat(p.exitValue()).as("openssl: %s", Files.readString(dir.resolve("openssl.log"))).isZero();
    }

    @Test
    void loopwireTlsRelaysEveryLineOnceAndCompletesHandshakes() throws Exception {
        TlsConfig tls = TlsConfig.server(PemFiles.serverContext(cert, key)).build();
        try (Reactor reactor = new Reactor("tls-smoke").start()) {
            ChatServer chat = ChatServer.builder(reactor).tcpPort(0).udpPort(0).tls(tls, 0).start();
            InetSocketAddress server = new InetSocketAddress(LOOPBACK, chat.tlsAddress().getPort());
            assertRelaysEveryLineOnce(server);
            assertCompletesHandshakes(server);
        }
    }

    @Test
    void nettyTlsPeerRelaysEveryLineOnceAndCompletesHandshakes() throws Exception {
        NettyRelayServer.Tls tls = new NettyRelayServer.Tls(ANY_LOOPBACK, NettyRelayServer.serverContext(cert, key));
        try (NettyRelayServer netty = NettyRelayServer.start(ANY_LOOPBACK, ANY_LOOPBACK, NettyTransport.NIO, 1, tls)) {
            assertRelaysEveryLineOnce(netty.tlsAddress());
            assertCompletesHandshakes(netty.tlsAddress());
        }
    }

    private static void assertRelaysEveryLineOnce(InetSocketAddress server) throws Exception {
        SSLContext context = TlsClientChannel.trusting(cert);
        // 10 clients: every line fans out to 9 TLS receivers; 200 per sender, so records carry several lines.
        RelayLoad.Config count = RelayLoad.Config.count(server, 10, 200).withTls(context, null);
        RelayLoad.Result r = RelayLoad.run(count);
        assertThat(r.sent()).isEqualTo(2000);
        assertThat(r.expected()).isEqualTo(18_000);
        assertThat(r.delivered()).isEqualTo(r.expected());
        assertThat(r.lost()).isZero();
        assertThat(r.dup()).isZero();
        assertThat(r.closed()).isZero();
        assertThat(r.errors()).isZero();
        assertThat(r.summary()).contains(" lost=0 ", " tls=TLSv1.3/");

        // One suite pinned on the client: the server must agree to it (what CIPHER= does in tls.sh).
        RelayLoad.Result pinned = RelayLoad.run(RelayLoad.Config.count(server, 3, 50)
                .withTls(context, "TLS_AES_128_GCM_SHA256"));
        assertThat(pinned.delivered()).isEqualTo(300);
        assertThat(pinned.lost()).isZero();
        assertThat(pinned.summary()).endsWith(" tls=TLSv1.3/TLS_AES_128_GCM_SHA256");
    }

    private static void assertCompletesHandshakes(InetSocketAddress server) throws Exception {
        TlsHandshakeLoad.Result r = TlsHandshakeLoad.run(new TlsHandshakeLoad.Config(server, cert, 2, Duration.ZERO,
                Duration.ofMillis(1500), ProcessHandle.current().pid(), null));
        assertThat(r.handshakes()).as(r.summary()).isPositive();
        assertThat(r.failed()).as(r.summary()).isZero();
        assertThat(r.summary()).startsWith("tls-handshake ").contains(" failed=0 ", " tls=TLSv1.3/");
        assertThat(List.of(r.summary().split(" "))).anyMatch(f -> f.startsWith("handshakes_per_server_core_s="));
    }
}
