package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.metrics.ChatServerMetrics;
import io.loopwire.relay.ChatServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@code /metrics} flood from 16 keep-alive connections costs the loop one copy per {@link HttpEndpoint#MIN_COPY_AGE}
 * and leaves the chat server's UDP {@code ping} p99 near its quiet value. Quiet and flooded windows alternate (the
 * shared machine's own load drifts by more than the effect), and the figures are printed for the paced endpoint (the
 * default) and, for comparison, one with pacing off (cached bytes only).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScrapeFloodTest {
    private static final int CONNECTIONS = 16;
    private static final int ROUNDS = 6;
    private static final int PINGS_PER_WINDOW = 500;

    @Test
    void aScrapeFloodLeavesPingP99NearItsQuietValue() throws Exception {
        Reactor reactor = new Reactor("flood-test");
        ChatServer server = ChatServer.builder(reactor).bindAddress(InetAddress.getLoopbackAddress()).tcpPort(0)
                .udpPort(0).start();
        LoopMetrics metrics = new LoopMetrics(reactor).bindWith(s -> new ChatServerMetrics(s, server));
        reactor.start();
        ExecutorService flooders = Executors.newFixedThreadPool(CONNECTIONS);
        try (HttpEndpoint paced = metrics.serve(InetAddress.getLoopbackAddress(), 0);
                HttpEndpoint unpaced = metrics.endpoint(InetAddress.getLoopbackAddress(), 0).pace(1_000_000).start();
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            udp.connect(server.udpAddress());
            udp.setSoTimeout(1_000);
            ping(udp, new long[500], 0); // warm-up

            Result withPacing = new Flood(flooders, paced, metrics).measure(udp);
            Result withoutPacing = new Flood(flooders, unpaced, metrics).measure(udp);

            System.out.printf("[figures] ping p99 with a /metrics flood from %d keep-alive connections, alternating "
                    + "windows: paced: quiet %d us, flooded %d us (%.0f req/s served, %d refused, %d copies on the "
                    + "loop in %d ms flooded; process CPU quiet %.2f, flooded %.2f cores) - 2x target %s; unpaced: "
                    + "quiet %d us, flooded %d us (%.0f req/s, %d copies in %d ms; CPU quiet %.2f, flooded %.2f "
                    + "cores)%n", CONNECTIONS, withPacing.quietP99, withPacing.floodP99, withPacing.rate,
                    withPacing.refused, withPacing.copies, withPacing.floodMillis, withPacing.quietCores,
                    withPacing.floodCores, withPacing.floodP99 <= 2 * withPacing.quietP99 ? "held" : "MISSED",
                    withoutPacing.quietP99, withoutPacing.floodP99, withoutPacing.rate, withoutPacing.copies,
                    withoutPacing.floodMillis, withoutPacing.quietCores, withoutPacing.floodCores);

            for (Result r : List.of(withPacing, withoutPacing)) {
                assertThat(r.served).isPositive();
                long allowed = r.floodMillis / HttpEndpoint.MIN_COPY_AGE.toMillis() + 2L * ROUNDS;
                assertThat(r.copies).as("copies on the loop during a flood").isBetween(1L, allowed);
            }
            // The rate plus one burst per flooded window (the quiet window before it saves one up).
            double floodSeconds = withPacing.floodMillis / 1000.0;
            double allowedRate = (HttpEndpoint.DEFAULT_REQUESTS_PER_SECOND * floodSeconds
                    + HttpEndpoint.BURST * ROUNDS) / floodSeconds;
            assertThat(withPacing.rate).as("paced rate").isLessThanOrEqualTo(allowedRate * 1.2);
            // The shared two-core machine moves p99 by milliseconds on its own: the bound here is generous and the
            // figures above say whether the 2x target held.
            assertThat(withPacing.floodP99).isLessThanOrEqualTo(
                    Math.max(4 * withPacing.quietP99, withPacing.quietP99 + 10_000));
            // What the paced flood costs in CPU (server and the flooding clients together) is steadier than p99.
            assertThat(withPacing.floodCores - withPacing.quietCores).as("cores the paced flood costs")
                    .isLessThanOrEqualTo(0.3);
        } finally {
            flooders.shutdownNow();
            reactor.close();
        }
    }

    /** Fills {@code rtt} from {@code from} with text ping round trips, one every 0.5 ms; a lost ping counts as 1 s. */
    private static void ping(DatagramSocket udp, long[] rtt, int from) throws IOException {
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        byte[] reply = new byte[64];
        for (int i = from; i < from + PINGS_PER_WINDOW && i < rtt.length; i++) {
            long start = System.nanoTime();
            udp.send(new DatagramPacket(ping, ping.length));
            try {
                udp.receive(new DatagramPacket(reply, reply.length));
                rtt[i] = System.nanoTime() - start;
            } catch (SocketTimeoutException lost) {
                rtt[i] = TimeUnit.SECONDS.toNanos(1);
            }
            LockSupport.parkNanos(500_000); // spacing between probes, as a prober would
        }
    }

    private static long p99Micros(long[] rtt) {
        long[] sorted = rtt.clone();
        Arrays.sort(sorted);
        return TimeUnit.NANOSECONDS.toMicros(sorted[(int) (sorted.length * 0.99) - 1]);
    }

    private record Result(long quietP99, long floodP99, long served, long refused, double rate, long copies,
                          long floodMillis, double quietCores, double floodCores) {
    }

    /** Milliseconds the JVM's collectors have spent so far. */
    private static long gcMillis() {
        long total = 0;
        for (java.lang.management.GarbageCollectorMXBean gc
                : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime()) + 1_000_000L * Math.max(0, gc.getCollectionCount());
        }
        return total;
    }

    /** CPU time of this whole process (server, flood clients and pinger). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** 16 keep-alive connections asking for /metrics as fast as answers come, paused in the quiet windows. */
    private static final class Flood {
        final AtomicLong served = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicBoolean paused = new AtomicBoolean(true);
        final ExecutorService pool;
        final HttpEndpoint endpoint;
        final LoopMetrics metrics;

        Flood(ExecutorService pool, HttpEndpoint endpoint, LoopMetrics metrics) {
            this.pool = pool;
            this.endpoint = endpoint;
            this.metrics = metrics;
        }

        Result measure(DatagramSocket udp) throws Exception {
            AtomicBoolean stop = new AtomicBoolean();
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                clients.add(pool.submit(() -> {
                    keepAsking(stop);
                    return null;
                }));
            }
            long[] quiet = new long[ROUNDS * PINGS_PER_WINDOW];
            long[] flooded = new long[ROUNDS * PINGS_PER_WINDOW];
            long floodNanos = 0;
            long quietNanos = 0;
            long floodCpu = 0;
            long floodGc = 0;
            long quietGc = 0;
            long quietCpu = 0;
            long copies = 0;
            long servedInFlood = 0;
            for (int round = 0; round < ROUNDS; round++) {
                paused.set(true);
                long quietStart = System.nanoTime();
                long cpuStart = processCpuNanos();
                long quietGcStart = gcMillis();
                ping(udp, quiet, round * PINGS_PER_WINDOW);
                quietGc += gcMillis() - quietGcStart;
                quietCpu += processCpuNanos() - cpuStart;
                quietNanos += System.nanoTime() - quietStart;
                paused.set(false);
                long copiesBefore = metrics.sampler().refreshes();
                long servedBefore = served.get();
                long start = System.nanoTime();
                cpuStart = processCpuNanos();
                long gcStart = gcMillis();
                ping(udp, flooded, round * PINGS_PER_WINDOW);
                floodGc += gcMillis() - gcStart;
                floodCpu += processCpuNanos() - cpuStart;
                floodNanos += System.nanoTime() - start;
                copies += metrics.sampler().refreshes() - copiesBefore;
                servedInFlood += served.get() - servedBefore;
            }
            System.out.printf("[figures] GC: %d pauses, %d ms in %d ms of quiet windows; %d pauses, %d ms in %d ms of "
                    + "flood%n", quietGc / 1_000_000L, quietGc % 1_000_000L, TimeUnit.NANOSECONDS.toMillis(quietNanos),
                    floodGc / 1_000_000L, floodGc % 1_000_000L, TimeUnit.NANOSECONDS.toMillis(floodNanos));
            stop.set(true);
            for (Future<?> f : clients) {
                f.get(10, TimeUnit.SECONDS);
            }
            long floodMillis = TimeUnit.NANOSECONDS.toMillis(floodNanos);
            return new Result(p99Micros(quiet), p99Micros(flooded), served.get(), refused.get(),
                    servedInFlood * 1000.0 / Math.max(1, floodMillis), copies, floodMillis,
                    (double) quietCpu / quietNanos, (double) floodCpu / floodNanos);
        }

        private void keepAsking(AtomicBoolean stop) throws IOException {
            try (Socket s = new Socket(endpoint.address().getAddress(), endpoint.address().getPort())) {
                s.setSoTimeout(5_000);
                OutputStream out = s.getOutputStream();
                InputStream in = new BufferedInputStream(s.getInputStream(), 32 * 1024);
                byte[] request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                while (!stop.get()) {
                    if (paused.get()) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // a quiet window
                        continue;
                    }
                    out.write(request);
                    out.flush();
                    if (readResponse(in) == 200) {
                        served.incrementAndGet();
                    } else {
                        refused.incrementAndGet();
                    }
                }
            }
        }
    }

    /** Reads one response with a Content-Length body; returns its status. */
    static int readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        long length = 0;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            if (header.regionMatches(true, 0, "Content-length:", 0, 15)) {
                length = Long.parseLong(header.substring(15).trim());
            }
        }
        while (length > 0) {
            long skipped = in.skip(length);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("closed mid-body");
                }
                skipped = 1;
            }
            length -= skipped;
        }
        return status;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("closed mid-headers");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
