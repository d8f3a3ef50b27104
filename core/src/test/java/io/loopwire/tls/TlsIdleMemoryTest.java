package io.loopwire.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.tcp.TcpHandler;
import io.loopwire.tcp.TcpServer;
import io.loopwire.testkit.ExternalProcess;
import io.loopwire.testkit.ProcessLimits;
import io.loopwire.testkit.TestCerts;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Heap per idle TLS connection on the server after the handshake, measured as the half-line test measures (heap in
 * use after GC, before and after), with the clients in another JVM so only the server's side counts; a plaintext
 * run beside it for comparison. The connection holds no packet buffer when idle; what remains is the JDK's engine
 * and session, and loopwire's connection.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TlsIdleMemoryTest {
    private static final int CONNECTIONS = 500;
    /** The target is 8 KiB; this bound only catches a packet buffer kept by every idle connection (16 KiB+). */
    private static final double LIMIT_BYTES = 14 * 1024;

    @Test
    void anIdleTlsConnectionHoldsNoPacketBuffer() throws Exception {
        long limit = ProcessLimits.openFiles();
        Assumptions.assumeTrue(limit < 0 || limit > CONNECTIONS + 200, "open-files limit " + limit + " too low");
        TestCerts certs = TlsFixture.certs();
        double plain = perConnection(null, "plain");
        double tls = perConnection(TlsConfig.server(TlsFixture.serverContext()).build(), certs.caPem().toString());
        System.out.printf("[figures] idle connection heap on the server after GC (%d connections, clients in another"
                + " JVM): TLS %.0f B, plaintext %.0f B%n", CONNECTIONS, tls, plain);
        assertThat(tls).isLessThan(LIMIT_BYTES);
    }

    private static double perConnection(TlsConfig config, String clientArg) throws Exception {
        TcpHandler quiet = (connection, frame) -> { };
        try (Reactor reactor = new Reactor("idle-memory").start()) {
            TcpServer.Builder b = TcpServer.builder(reactor).handler(quiet);
            if (config != null) {
                b.tls(config);
            }
            TcpServer server = b.start();
            // Warm-up: load every class of the path (and the engine's) before the baseline.
            runClients(server, reactor, 20, clientArg, null);
            Poll.onLoopUntil(reactor, () -> server.stats().open() == 0, "warm-up connections gone");
            long[] delta = new long[1];
            runClients(server, reactor, CONNECTIONS, clientArg, delta);
            return (double) delta[0] / CONNECTIONS;
        }
    }

    private static void runClients(TcpServer server, Reactor reactor, int count, String clientArg, long[] delta)
            throws Exception {
        long before = usedHeapAfterGc();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (ExternalProcess clients = ExternalProcess.start("clients", List.of(java, "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), IdleTlsClients.class.getName(),
                String.valueOf(server.localAddress().getPort()), String.valueOf(count), clientArg))) {
            Poll.until(Duration.ofSeconds(90), () -> clients.stdout().stream().anyMatch(l -> l.startsWith("ready"))
                    || !clients.isAlive(), "the clients");
            assertThat(clients.isAlive()).as(clients.describe()).isTrue();
            Poll.until(Duration.ofSeconds(60), () -> reactor.call(() -> server.stats().open()) == count,
                    "every connection open");
            if (delta != null) {
                delta[0] = usedHeapAfterGc() - before;
            }
            clients.closeStdin();
            clients.awaitExit(Duration.ofSeconds(30));
        }
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
