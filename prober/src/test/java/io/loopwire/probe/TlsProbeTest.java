package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.tcp.TcpServer;
import io.loopwire.tls.KeyStoreFiles;
import io.loopwire.tls.PemFiles;
import io.loopwire.tls.TlsConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls://} targets against loopwire's own TLS listeners, with certificates made at test time by the JDK's
 * {@code keytool} (self-signed, trusted through {@code tlsTrust} as {@code --tls-ca} does): a valid one (NORMAL,
 * handshake time recorded, no problem, expiry about 30 days ahead), an expired one, one expiring in 3 days (valid, its
 * expiry reported for the caller's warning period) and one for another host name (invalid, with the reason). The
 * certificate's state is reported apart from the latency state: all four handshakes complete and are NORMAL.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsProbeTest {
    private static final char[] PASSWORD = TestCertificates.PASSWORD;
    private static final long DAY = 86_400_000L;

    @Test
    void validExpiredExpiringAndWrongHostCertificates(@TempDir Path dir) throws Exception {
        makeCert(dir, "valid", "dns:localhost,ip:127.0.0.1", null, 30);
        makeCert(dir, "expired", "dns:localhost,ip:127.0.0.1", "-10d", 5);
        makeCert(dir, "expiring", "dns:localhost,ip:127.0.0.1", null, 3);
        makeCert(dir, "wronghost", "dns:wrong.example", null, 30);
        StringBuilder cas = new StringBuilder();
        for (String n : List.of("valid", "expired", "expiring", "wronghost")) {
            cas.append(Files.readString(dir.resolve(n + ".pem"), StandardCharsets.US_ASCII));
        }
        Path caFile = dir.resolve("cas.pem");
        Files.writeString(caFile, cas);

        Map<String, String> problems = new ConcurrentHashMap<>();
        Map<String, Long> expiries = new ConcurrentHashMap<>();
        ProbeListener certs = new ProbeListener() {
            @Override
            public void onCertificate(ProbeTarget target, long notAfterMillis, String problem) {
                expiries.put(target.name(), notAfterMillis);
                problems.put(target.name(), problem == null ? "none" : problem);
            }
        };
        List<TcpServer> servers = new ArrayList<>();
        try (Reactor serverLoop = new Reactor("tls-servers").start(); Reactor reactor = new Reactor("prober").start()) {
            Recorder rec = new Recorder();
            LatencyProber.Builder builder = LatencyProber.builder(reactor).interval(Duration.ofMillis(200))
                    .classifier(ClassifierConfig.defaults().withTimeout(Duration.ofSeconds(3)))
                    .tlsTrust(PemFiles.readCertificates(caFile)).listener(ProbeListener.all(rec, certs));
            for (String n : List.of("valid", "expired", "expiring", "wronghost")) {
                TlsConfig tls = TlsConfig.server(KeyStoreFiles.serverContext(dir.resolve(n + ".p12"), PASSWORD, null))
                        .build();
                TcpServer server = TcpServer.builder(serverLoop).bind(new InetSocketAddress(LOOPBACK, 0)).tls(tls)
                        .handler((connection, frame) -> { }).start();
                servers.add(server);
                InetSocketAddress at = new InetSocketAddress(InetAddress.getByName("localhost"),
                        server.localAddress().getPort());
                builder.target(new TargetSpec(n, ProbeKind.TLS, at));
            }
            LatencyProber prober = builder.start();
            try {
                Poll.until(Duration.ofSeconds(60), () -> problems.size() == 4, "all four certificates seen; "
                        + problems);
                Poll.onLoopUntil(Duration.ofSeconds(60), reactor, () -> prober.targets().stream()
                        .allMatch(t -> t.state() == LinkState.NORMAL), "all four handshakes NORMAL");
                long now = System.currentTimeMillis();
                assertThat(problems.get("valid")).isEqualTo("none");
                assertThat(expiries.get("valid") - now).isBetween(29 * DAY, 31 * DAY);
                assertThat(problems.get("expired")).startsWith("expired");
                assertThat(expiries.get("expired")).isLessThan(now - 4 * DAY);
                assertThat(problems.get("expiring")).isEqualTo("none");
                assertThat(expiries.get("expiring") - now).isBetween(2 * DAY, 3 * DAY + 60_000);
                assertThat(problems.get("wronghost")).startsWith("wrong host name");
                ProbeTarget valid = prober.targets().get(0);
                assertThat(reactor.call(valid::certificateProblem)).isNull();
                assertThat(reactor.call(() -> valid.stats().received())).isPositive();
                assertThat(rec.rounds().stream().filter(r -> r.target().equals("valid")).findFirst().orElseThrow()
                        .rttNanos()).as("handshake time recorded").isPositive();
            } finally {
                prober.close();
                servers.forEach(TcpServer::close);
            }
        }
    }

    @Test
    void anUntrustedServerIsReportedNotTrusted(@TempDir Path dir) throws Exception {
        makeCert(dir, "stranger", "dns:localhost", null, 30);
        makeCert(dir, "other", "dns:localhost", null, 30);
        Map<String, String> problems = new ConcurrentHashMap<>();
        try (Reactor serverLoop = new Reactor("tls-servers").start(); Reactor reactor = new Reactor("prober").start()) {
            TcpServer server = TcpServer.builder(serverLoop).bind(new InetSocketAddress(LOOPBACK, 0))
                    .tls(TlsConfig.server(KeyStoreFiles.serverContext(dir.resolve("stranger.p12"), PASSWORD, null))
                            .build())
                    .handler((connection, frame) -> { }).start();
            LatencyProber prober = LatencyProber.builder(reactor).interval(Duration.ofMillis(200))
                    .tlsTrust(PemFiles.readCertificates(dir.resolve("other.pem")))
                    .target(new TargetSpec("s", ProbeKind.TLS, new InetSocketAddress(InetAddress.getByName(
                            "localhost"), server.localAddress().getPort())))
                    .listener(new ProbeListener() {
                        @Override
                        public void onCertificate(ProbeTarget target, long notAfterMillis, String problem) {
                            problems.put(target.name(), String.valueOf(problem));
                        }
                    }).start();
            try {
                Poll.until(Duration.ofSeconds(30), () -> problems.containsKey("s"), "the certificate seen");
                assertThat(problems.get("s")).startsWith("not trusted");
            } finally {
                prober.close();
                server.close();
            }
        }
    }

    /**
     * The JVM's first TLS handshake pays for loading the TLS stack, so one uncounted warm-up handshake goes first; the
     * other TLS targets' first probes wait for it. Two targets, three rounds each: three counted probes a target, and
     * one connection more in all, on the first target's server.
     */
    @Test
    void oneWarmUpHandshakeComesFirstAndIsNotCounted(@TempDir Path dir) throws Exception {
        makeCert(dir, "warm", "dns:localhost", null, 30);
        TlsConfig tls = TlsConfig.server(KeyStoreFiles.serverContext(dir.resolve("warm.p12"), PASSWORD, null)).build();
        java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
        try (Reactor serverLoop = new Reactor("tls-servers").start(); Reactor reactor = new Reactor("prober").start()) {
            List<TcpServer> servers = new ArrayList<>();
            LatencyProber.Builder builder = LatencyProber.builder(reactor).interval(Duration.ofMillis(100)).rounds(3)
                    .classifier(ClassifierConfig.defaults().withTimeout(Duration.ofSeconds(5)))
                    .tlsTrust(PemFiles.readCertificates(dir.resolve("warm.pem")))
                    .listener(new ProbeListener() {
                        @Override
                        public void onFinished() {
                            finished.countDown();
                        }
                    });
            for (String name : List.of("a", "b")) {
                TcpServer server = TcpServer.builder(serverLoop).bind(new InetSocketAddress(LOOPBACK, 0)).tls(tls)
                        .handler((connection, frame) -> { }).start();
                servers.add(server);
                builder.target(new TargetSpec(name, ProbeKind.TLS, new InetSocketAddress(
                        InetAddress.getByName("localhost"), server.localAddress().getPort())));
            }
            LatencyProber prober = builder.start();
            try {
                assertThat(finished.await(60, TimeUnit.SECONDS)).as("three rounds a target").isTrue();
                for (ProbeTarget target : prober.targets()) {
                    assertThat(reactor.call(() -> target.stats().received())).as(target.name()).isEqualTo(3);
                }
                long first = serverLoop.call(() -> servers.get(0).stats().accepted());
                long second = serverLoop.call(() -> servers.get(1).stats().accepted());
                assertThat(first + second).as("six probes and one warm-up").isEqualTo(7);
            } finally {
                prober.close();
                servers.forEach(TcpServer::close);
            }
        }
    }

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static void makeCert(Path dir, String name, String san, String start, int days) throws Exception {
        TestCertificates.make(dir, name, san, start, days);
    }
}
