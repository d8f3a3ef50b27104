package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.loopwire.AllocationWindows;
import io.loopwire.Poll;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With every binder bound (the turn-time histogram recorded on the loop each turn), relaying still allocates nothing
 * per message on the loop; a scrape costs the loop one small copy, measured and bounded per scrape.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MetricsAllocationOnLoopTest {
    private static final int MEMBERS = 10;
    private static final int MESSAGES = 20_000;
    private static final int BURST = 500;

    @Test
    void relayingWithMetricsBoundAllocatesNothingPerMessageAndLittlePerScrape() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeThat(threads.isThreadAllocatedMemorySupported()).as("per-thread allocation counter").isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);
        try (Rig rig = new Rig().start()) {
            int port = rig.server.tcpAddress().getPort();
            List<Socket> readers = new ArrayList<>();
            AtomicLong bytesRead = new AtomicLong();
            try (Socket sender = new Socket("127.0.0.1", port)) {
                for (int i = 0; i < MEMBERS; i++) {
                    Socket s = new Socket("127.0.0.1", port);
                    readers.add(s);
                    Thread drain = new Thread(() -> drain(s, bytesRead), "drain-" + i);
                    drain.setDaemon(true);
                    drain.start();
                }
                Poll.until(() -> rig.reactor.call(() -> rig.server.tcpRoom().size()) == MEMBERS + 1, "members joined");
                OutputStream out = sender.getOutputStream();
                byte[] line = "a 64-byte chat line, the size the benchmarks use: 0123456789ab\n"
                        .getBytes(StandardCharsets.US_ASCII);
                long perMessage = (long) (("[127.0.0.1:" + sender.getLocalPort() + "] ").length() + line.length)
                        * MEMBERS;
                relay(out, line, bytesRead, perMessage, null); // warm-up: JIT, queues, meters
                rig.scrapeText();

                // The least of several windows, as core's allocation tests do: a one-off cannot fail it.
                long leastBytes = AllocationWindows.least(() -> {
                    long before = rig.reactor.call(threads::getCurrentThreadAllocatedBytes);
                    relay(out, line, bytesRead, perMessage, null);
                    return rig.reactor.call(threads::getCurrentThreadAllocatedBytes) - before;
                });
                double bytesPerMessage = (double) leastBytes / MESSAGES;

                int scrapes = MESSAGES / BURST;
                long beforeScraping = rig.reactor.call(threads::getCurrentThreadAllocatedBytes);
                relay(out, line, bytesRead, perMessage, rig);
                long afterScraping = rig.reactor.call(threads::getCurrentThreadAllocatedBytes);
                double bytesPerScrape = (double) (afterScraping - beforeScraping) / scrapes;
                System.out.printf("[figures] loop allocation with metrics bound: %.2f bytes per relayed message "
                        + "(%d members); with a scrape every %d messages: %.0f bytes per scrape%n",
                        bytesPerMessage, MEMBERS, BURST, bytesPerScrape);
                // Same bound as core's BroadcastAllocationTest: the two reactor.call round trips allocate a little;
                // one allocation per message would be 16+ bytes.
                assertThat(bytesPerMessage).isLessThan(2.0);
                // A scrape copies ~100 longs and runs one task: a few KiB at most, whatever the traffic.
                assertThat(bytesPerScrape).isLessThan(16 * 1024);
            } finally {
                for (Socket s : readers) {
                    s.close();
                }
            }
        }
    }

    /** Sends {@link #MESSAGES} lines in bursts members can absorb; scrapes after each burst when a rig is given. */
    private static void relay(OutputStream out, byte[] line, AtomicLong bytesRead, long bytesPerMessage, Rig scrape)
            throws Exception {
        for (int sent = 0; sent < MESSAGES; sent += BURST) {
            long target = bytesRead.get() + bytesPerMessage * BURST;
            for (int i = 0; i < BURST; i++) {
                out.write(line);
            }
            out.flush();
            Poll.until(() -> bytesRead.get() >= target, "every member read the burst");
            if (scrape != null) {
                scrape.scrapeText();
            }
        }
    }

    private static void drain(Socket socket, AtomicLong bytesRead) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = socket.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                bytesRead.addAndGet(n);
            }
        } catch (Exception closed) {
            // the test closed the socket
        }
    }
}
