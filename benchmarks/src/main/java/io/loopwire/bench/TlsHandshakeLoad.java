package io.loopwire.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * Full TLS handshakes against a chat server for a fixed time: {@code threads} blocking {@link SSLSocket} clients,
 * each in a loop connecting, completing the handshake, sending {@code /quit} and reading until the server closes
 * (so every counted connection went through the server's whole life cycle: handshake, join, leave, close_notify).
 * Every connection uses a new client {@code SSLContext}, so nothing is resumed: each is a full handshake.
 *
 * <p>With the server's PID, the server's CPU (all its threads: the loop and any handshake pool) over the measured
 * time gives CPU per handshake and handshakes per server core-second, the figure a dedicated server would scale by.
 *
 * <pre>
 * java -cp benchmarks.jar io.loopwire.bench.TlsHandshakeLoad --port P --tls-ca CERT.pem [--host 127.0.0.1]
 *      [--threads 2] [--warmup 1s] [--duration 5s] [--server-pid PID] [--tls-cipher SUITE]
 * </pre>
 * Output, one line: {@code tls-handshake server=... threads=2 seconds=5.00 handshakes=... failed=0
 * handshakes_per_s=... server_cpu_ms=... server_cpu_us_per_handshake=... handshakes_per_server_core_s=...
 * load_cpu_ms=... tls=TLSv1.3/TLS_AES_256_GCM_SHA384}.
 *
 * @implNote Each client thread owns its sockets; the threads share only atomic counters.
 */
public final class TlsHandshakeLoad {
    static final String USAGE = "usage: java -cp benchmarks.jar io.loopwire.bench.TlsHandshakeLoad --port P "
            + "--tls-ca CERT_PEM [--host 127.0.0.1] [--threads 2] [--warmup 1s] [--duration 5s] [--server-pid PID] "
            + "[--tls-cipher SUITE]";
    private static final byte[] QUIT = "/quit\n".getBytes(StandardCharsets.US_ASCII);

    /** One run's settings. */
    public record Config(InetSocketAddress server, Path trust, int threads, Duration warmup, Duration duration,
                         long serverPid, String cipherSuite) {
    }

    /** What one run measured; CPU in nanoseconds, -1 when not measured. */
    public record Result(Config config, double seconds, long handshakes, long failed, long serverCpuNanos,
                         long loadCpuNanos, String tls) {
        public double handshakesPerSecond() {
            return handshakes / seconds;
        }

        /** Handshakes per second of server CPU (all its threads): per core. */
        public double handshakesPerServerCoreSecond() {
            return serverCpuNanos <= 0 ? -1 : handshakes / (serverCpuNanos / 1e9);
        }

        public String summary() {
            return String.format(Locale.ROOT, "tls-handshake server=%s threads=%d seconds=%.2f handshakes=%d failed=%d "
                            + "handshakes_per_s=%.0f server_cpu_ms=%s server_cpu_us_per_handshake=%s "
                            + "handshakes_per_server_core_s=%s load_cpu_ms=%s tls=%s",
                    Cli.hostPort(config.server()), config.threads(), seconds, handshakes, failed,
                    handshakesPerSecond(),
                    serverCpuNanos < 0 ? "-" : String.format(Locale.ROOT, "%.0f", serverCpuNanos / 1e6),
                    serverCpuNanos < 0 || handshakes == 0 ? "-"
                            : String.format(Locale.ROOT, "%.0f", serverCpuNanos / 1e3 / handshakes),
                    serverCpuNanos <= 0 ? "-" : String.format(Locale.ROOT, "%.0f", handshakesPerServerCoreSecond()),
                    loadCpuNanos < 0 ? "-" : String.format(Locale.ROOT, "%.0f", loadCpuNanos / 1e6),
                    tls == null ? "-" : tls);
        }
    }

    private TlsHandshakeLoad() {
    }

    public static void main(String[] args) throws Exception {
        Config config;
        try {
            Cli cli = Cli.parse(args, Set.of("host", "port", "tls-ca", "threads", "warmup", "duration", "server-pid",
                    "tls-cipher"), Set.of());
            if (!cli.has("tls-ca") || !cli.has("port")) {
                throw new IllegalArgumentException("--port and --tls-ca are required");
            }
            config = new Config(cli.socketAddress("host", "127.0.0.1", "port", 0), Path.of(cli.string("tls-ca", "")),
                    (int) cli.number("threads", 2, 1, 1024), cli.duration("warmup", Duration.ofSeconds(1)),
                    cli.duration("duration", Duration.ofSeconds(5)), cli.number("server-pid", 0, 0, Long.MAX_VALUE),
                    cli.has("tls-cipher") ? cli.string("tls-cipher", "") : null);
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, USAGE);
            return;
        }
        System.out.println(run(config).summary());
    }

    /** Runs the handshake loop on {@code threads} threads and returns when they have stopped. */
    public static Result run(Config c) throws IOException, InterruptedException {
        TrustManager[] trust = TlsClientChannel.trustManagers(c.trust());
        AtomicLong handshakes = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> negotiated = new AtomicReference<>();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        long start = System.nanoTime();
        long measureStart = start + c.warmup().toNanos();
        long end = measureStart + c.duration().toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < c.threads(); t++) {
            Thread thread = new Thread(() -> {
                byte[] sink = new byte[4096];
                while (System.nanoTime() < end) {
                    try {
                        String tls = oneConnection(c, trust, sink);
                        if (System.nanoTime() >= measureStart) {
                            handshakes.incrementAndGet();
                            negotiated.set(tls);
                        }
                    } catch (IOException | GeneralSecurityException e) {
                        if (System.nanoTime() >= measureStart) {
                            failed.incrementAndGet();
                        }
                        firstFailure.compareAndSet(null, e);
                    }
                }
            }, "handshake-" + t);
            threads.add(thread);
            thread.start();
        }
        long sleep = (measureStart - System.nanoTime()) / 1_000_000;
        if (sleep > 0) {
            Thread.sleep(sleep); // a clock, not synchronisation: the counters decide what was measured
        }
        long cpuStart = ProcCpu.cpuNanos(c.serverPid());
        long loadStart = ProcCpu.cpuNanos(ProcessHandle.current().pid());
        long counted = handshakes.get();
        for (Thread thread : threads) {
            thread.join(c.duration().toMillis() + 30_000);
        }
        long cpuEnd = ProcCpu.cpuNanos(c.serverPid());
        long loadEnd = ProcCpu.cpuNanos(ProcessHandle.current().pid());
        double seconds = Math.max(1, System.nanoTime() - measureStart) / 1e9;
        if (firstFailure.get() != null) {
            System.err.println("first failed connection: " + firstFailure.get());
        }
        return new Result(c, seconds, handshakes.get() - counted, failed.get(),
                cpuStart < 0 || cpuEnd < 0 ? -1 : cpuEnd - cpuStart,
                loadStart < 0 || loadEnd < 0 ? -1 : loadEnd - loadStart, negotiated.get());
    }

    /** One connection: full handshake, {@code /quit}, read to the end; returns protocol/suite. */
    private static String oneConnection(Config c, TrustManager[] trust, byte[] sink)
            throws IOException, GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS"); // new each time: no session to resume
        context.init(null, trust, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(c.server().getAddress(),
                c.server().getPort())) {
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            SSLParameters p = socket.getSSLParameters();
            p.setProtocols(TlsClientChannel.PROTOCOLS);
            if (c.cipherSuite() != null) {
                p.setCipherSuites(new String[] {c.cipherSuite()});
            }
            socket.setSSLParameters(p);
            socket.startHandshake();
            String tls = socket.getSession().getProtocol() + "/" + socket.getSession().getCipherSuite();
            OutputStream out = socket.getOutputStream();
            out.write(QUIT);
            out.flush();
            InputStream in = socket.getInputStream();
            while (in.read(sink) >= 0) {
                // the server's close_notify (or FIN) ends it
            }
            return tls;
        }
    }
}
