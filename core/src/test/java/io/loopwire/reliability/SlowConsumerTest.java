package io.loopwire.reliability;

import io.loopwire.testkit.Rig;
import static io.loopwire.testkit.Rig.figures;
import static io.loopwire.testkit.Rig.mib;
import static io.loopwire.testkit.Rig.ms;
import static io.loopwire.testkit.Rig.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import io.loopwire.tcp.CloseReason;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Case 1: one TCP member never reads while the others chat at a steady rate. It must be disconnected at its outbound
 * limit ({@link CloseReason#OUTBOUND_LIMIT}), its queue must stay under the limit meanwhile, and the others' p99
 * delivery latency must stay close to the same run without it.
 *
 * <p>The run without the slow reader goes on at the same time as the run with it (two servers, each on its own loop,
 * each with its own chatters), started and paced together: both see the same machine, so a burst of load from
 * elsewhere (another build on a shared CI machine) lands in both p99s instead of only in one, which is what made the
 * comparison of two runs one after the other fail now and then.
 *
 * <p>The latency bound: 2x the run without the slow reader, but never tighter than that run's p99 plus 25 ms. On a
 * loaded two-core CI machine the baseline p99 is a few milliseconds of thread scheduling noise, and 2x of that is not
 * a property of the server; the additive floor is what a reader of the figures should check against.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SlowConsumerTest {
    private static final long LATENCY_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

    @Test
    void slowReaderIsDisconnectedWithoutSlowingOthersFast() throws Exception {
        run("slow-consumer-fast", 6, 100, 2000, Duration.ofSeconds(4), 256 * 1024);
    }

    @Test
    @Tag("stress")
    void slowReaderIsDisconnectedWithoutSlowingOthers() throws Exception {
        run("slow-consumer", 20, 50, 1000, Duration.ofSeconds(20), 1024 * 1024);
    }

    private static void run(String name, int chatters, int rateHz, int lineBytes, Duration duration, long maxOutbound)
            throws Exception {
        runOnce(chatters, rateHz, lineBytes, Duration.ofSeconds(1), maxOutbound, false, null); // warm-up, not measured
        long heapStart = Rig.heapAfterGc();
        long[] heapEnd = new long[1];
        // Both runs set up, then send together; both delivered everything, then the heap is measured (once, for both).
        Steps steps = new Steps(new CyclicBarrier(2), new CyclicBarrier(2, () -> heapEnd[0] = Rig.heapAfterGc()));
        ExecutorService pair = Executors.newFixedThreadPool(2);
        Result base;
        Result slow;
        try {
            Future<Result> baseRun = pair.submit(
                    () -> runOnce(chatters, rateHz, lineBytes, duration, maxOutbound, false, steps));
            Future<Result> slowRun = pair.submit(
                    () -> runOnce(chatters, rateHz, lineBytes, duration, maxOutbound, true, steps));
            base = baseRun.get();
            slow = slowRun.get();
        } finally {
            pair.shutdownNow();
        }
        slow = slow.withHeap(heapStart, heapEnd[0]);
        long bound = Math.max(2 * base.p99, base.p99 + LATENCY_FLOOR_NANOS);
        figures(name, "chatters=" + chatters + " rate=" + rateHz + "/s each line=" + lineBytes + "B duration=" + duration.toSeconds()
                + "s maxOutbound=" + maxOutbound + " | without slow reader: p50=" + ms(base.p50) + " p99="
                + ms(base.p99) + " max=" + ms(base.max) + " delivered=" + base.delivered + " | with slow reader: p50="
                + ms(slow.p50) + " p99=" + ms(slow.p99) + " max=" + ms(slow.max) + " delivered=" + slow.delivered
                + " slowClosedAfter=" + ms(slow.slowClosedAfterNanos) + " maxQueued=" + slow.maxQueued
                + " | p99 ratio=" + String.format("%.2f", (double) slow.p99 / Math.max(1, base.p99))
                + " bound=" + ms(bound) + " | heap after GC start=" + mib(slow.heapStart) + " end="
                + mib(slow.heapEnd) + " peakHeapNow=" + mib(slow.heapPeak) + " rss=" + Rig.rssKiB() + "KiB");
        assertThat(base.outboundLimitClosed).as("no one is closed without the slow reader").isZero();
        assertThat(slow.outboundLimitClosed).as("the slow reader closed at its outbound limit").isEqualTo(1);
        assertThat(slow.maxQueued).as("queued bytes stay under the limit (plus the error line)")
                .isLessThanOrEqualTo(maxOutbound + 256);
        assertThat(slow.p99).as("others' p99 with the slow reader").isLessThanOrEqualTo(bound);
        assertThat(slow.heapEnd - slow.heapStart).as("heap after GC back near its start").isLessThan(32L << 20);
    }

    private record Result(long p50, long p99, long max, long delivered, long outboundLimitClosed, long maxQueued,
            long slowClosedAfterNanos, long heapStart, long heapEnd, long heapPeak) {
        Result withHeap(long start, long end) {
            return new Result(p50, p99, max, delivered, outboundLimitClosed, maxQueued, slowClosedAfterNanos, start,
                    end, heapPeak);
        }
    }

    /**
     * Where the two runs of a pair wait for each other: {@code started} once both are set up (so their sending
     * starts together), {@code delivered} once both got every line (before either closes anything). A run that
     * fails breaks both, so the other stops waiting at once.
     */
    private record Steps(CyclicBarrier started, CyclicBarrier delivered) {
        void await(CyclicBarrier step) throws Exception {
            step.await(2, TimeUnit.MINUTES);
        }

        void fail() {
            started.reset();
            delivered.reset();
        }
    }

    /** One run; with {@code steps} it is one of a pair and leaves the heap figures to the pair (zero here). */
    private static Result runOnce(int chatters, int rateHz, int lineBytes, Duration duration, long maxOutbound,
            boolean withSlow, Steps steps) throws Exception {
        try {
            return runOnce(chatters, rateHz, lineBytes, duration, maxOutbound, withSlow,
                    steps == null ? Rig.heapAfterGc() : 0, steps);
        } catch (Exception | Error e) {
            if (steps != null) {
                steps.fail();
            }
            throw e;
        }
    }

    private static Result runOnce(int chatters, int rateHz, int lineBytes, Duration duration, long maxOutbound,
            boolean withSlow, long heapStart, Steps steps) throws Exception {
        try (Reactor reactor = new Reactor("slow-consumer-test").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).maxOutboundBytes(maxOutbound).start();
            InetSocketAddress address = server.tcpAddress();
            List<Rig.LineClient> clients = new ArrayList<>();
            List<Thread> readers = new ArrayList<>();
            int perReader = (int) (duration.toMillis() * rateHz / 1000 + 10) * chatters;
            long[][] latencies = new long[chatters][perReader];
            AtomicIntegerArray counts = new AtomicIntegerArray(chatters);
            Socket slow = null;
            try {
                for (int i = 0; i < chatters; i++) {
                    clients.add(new Rig.LineClient(address));
                }
                if (withSlow) {
                    slow = new Socket();
                    slow.setReceiveBufferSize(4096); // before connect, so the window stays small
                    slow.connect(address, 5_000);
                }
                int members = chatters + (withSlow ? 1 : 0);
                Poll.onLoopUntil(Duration.ofSeconds(10), reactor, () -> server.tcpRoom().size() == members,
                        "all joined");
                for (int i = 0; i < chatters; i++) {
                    int me = i;
                    Rig.LineClient c = clients.get(i);
                    Thread t = new Thread(() -> {
                        try {
                            byte[] line;
                            int n = 0;
                            while ((line = c.readLineBytes()) != null) {
                                long sent = parseSentNanos(line);
                                if (sent > 0 && n < latencies[me].length) {
                                    latencies[me][n++] = System.nanoTime() - sent;
                                    counts.set(me, n);
                                }
                            }
                        } catch (Exception closed) {
                            // the socket closed at the end of the run
                        }
                    }, "reader-" + i);
                    t.setDaemon(true);
                    t.start();
                    readers.add(t);
                }
                // Sample the largest outbound queue on the server while the run goes on.
                AtomicLong maxQueued = new AtomicLong();
                AtomicLong peakHeap = new AtomicLong();
                Thread sampler = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted() && !reactor.isClosing()) {
                        try {
                            long q = reactor.call(() -> {
                                long[] max = {0};
                                server.tcpServer().forEachConnection(
                                        c -> max[0] = Math.max(max[0], c.queuedBytes()));
                                return max[0];
                            });
                            maxQueued.accumulateAndGet(q, Math::max);
                            peakHeap.accumulateAndGet(Rig.heapNow(), Math::max);
                        } catch (Exception e) {
                            return;
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    }
                }, "queue-sampler");
                sampler.setDaemon(true);
                sampler.start();

                if (steps != null) {
                    steps.await(steps.started());
                }
                String padding = "x".repeat(lineBytes);
                long periodNanos = TimeUnit.SECONDS.toNanos(1) / rateHz;
                long start = System.nanoTime();
                long end = start + duration.toNanos();
                long slowClosedAt = 0;
                int ticks = 0;
                for (long next = start; next < end; next += periodNanos) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait); // pacing the steady-rate sender
                    }
                    for (int i = 0; i < chatters; i++) {
                        clients.get(i).send("m " + i + ' ' + ticks + " t=" + System.nanoTime() + ' ' + padding);
                    }
                    ticks++;
                    if (withSlow && slowClosedAt == 0 && (ticks & 15) == 0 && onLoop(reactor,
                            () -> server.tcpServer().stats().closed(CloseReason.OUTBOUND_LIMIT)) > 0) {
                        slowClosedAt = System.nanoTime() - start;
                    }
                }
                long expected = (long) ticks * (chatters - 1);
                Poll.until(Duration.ofSeconds(30),
                        () -> { for (int i = 0; i < chatters; i++) { if (counts.get(i) < Math.min(expected, perReader)) { return false; } } return true; },
                        "every line delivered");
                long closedForLimit = 0;
                if (withSlow) {
                    Poll.onLoopUntil(Duration.ofSeconds(15), reactor,
                            () -> server.tcpServer().stats().closed(CloseReason.OUTBOUND_LIMIT) > 0,
                            "slow reader closed");
                    if (slowClosedAt == 0) {
                        slowClosedAt = System.nanoTime() - start;
                    }
                }
                closedForLimit = onLoop(reactor, () -> server.tcpServer().stats().closed(CloseReason.OUTBOUND_LIMIT));
                sampler.interrupt();
                sampler.join(5_000);
                long heapEnd = 0;
                if (steps == null) {
                    heapEnd = Rig.heapAfterGc();
                } else {
                    steps.await(steps.delivered());
                }
                int total = 0;
                for (int i = 0; i < chatters; i++) {
                    total += counts.get(i);
                }
                long[] all = new long[total];
                int k = 0;
                for (int i = 0; i < chatters; i++) {
                    System.arraycopy(latencies[i], 0, all, k, counts.get(i));
                    k += counts.get(i);
                }
                long p50 = Rig.quantile(all, total, 0.50);
                long p99 = Rig.quantile(all, total, 0.99);
                long max = total == 0 ? 0 : all[total - 1];
                return new Result(p50, p99, max, total, closedForLimit, maxQueued.get(), slowClosedAt, heapStart,
                        heapEnd, peakHeap.get());
            } finally {
                for (Rig.LineClient c : clients) {
                    c.close();
                }
                if (slow != null) {
                    slow.close();
                }
                for (Thread t : readers) {
                    t.join(5_000);
                }
            }
        }
    }

    /** The {@code t=<nanos>} field of a relayed {@code [peer] m <i> <seq> t=<nanos> ...} line, or 0. */
    static long parseSentNanos(byte[] line) {
        for (int i = 0; i + 2 < line.length; i++) {
            if (line[i] == ' ' && line[i + 1] == 't' && line[i + 2] == '=') {
                long v = 0;
                for (int j = i + 3; j < line.length && line[j] >= '0' && line[j] <= '9'; j++) {
                    v = v * 10 + (line[j] - '0');
                }
                return v;
            }
        }
        return 0;
    }
}
