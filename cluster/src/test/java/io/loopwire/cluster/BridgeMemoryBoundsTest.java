package io.loopwire.cluster;

import static io.loopwire.cluster.ClusterNode.NATS_PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.testkit.NatsServer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the bridge holds when NATS or the loop cannot keep up is bounded in bytes. Both cases run the nodes in this
 * JVM and sample the used heap after {@code System.gc()}: its growth must stay within the byte bounds in play plus
 * 32 MiB. Before the bounds were in bytes, a frozen nats-server under 64 KiB lines held +1.0 GiB, and 1 MB lines to a
 * busy loop +1.2 GiB.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BridgeMemoryBoundsTest {
    static final long SLACK = 32L * 1024 * 1024;

    private final ClusterFixture fixture = new ClusterFixture();

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void outboxStaysWithinItsBytesWhileNatsServerIsFrozen() throws Exception {
        NatsServer nats = fixture.startNats();
        int maxFrame = 128 * 1024;
        ClusterNode a = start("a", nats, maxFrame);
        ClusterNode b = start("b", nats, maxFrame);
        try (FloodMember sender = new FloodMember("sender", a.tcp());
                FloodMember receiver = new FloodMember("receiver", b.tcp())) {
            Poll.until(NATS_PATIENCE, () -> a.roomSize() == 1 && b.roomSize() == 1, "members in their rooms");
            fence(sender, receiver, "fence0");
            long bounds = NatsRoomBridge.DEFAULT_MAX_OUTBOX_BYTES + 2 * NatsRoomBridge.DEFAULT_MAX_INBOX_BYTES;
            long baseline = usedHeapAfterGc();

            nats.pause();
            HeapPeak peak = new HeapPeak(baseline);
            try {
                sender.startFlood(line(64 * 1024));
                peak.sampleFor(10_000);
            } finally {
                nats.resume();
            }
            sender.stopFlood();
            System.out.printf("frozen nats-server, 64 KiB lines for 10 s: heap +%.1f MiB at most (bound %.1f MiB);"
                    + " a: %s%n", peak.growth() / 1048576.0, (bounds + SLACK) / 1048576.0, a.bridge.stats());
            assertThat(a.bridge.stats().droppedOutboxFull()).as("lines NATS could not take, dropped").isPositive();
            assertThat(peak.growth()).as("heap growth").isLessThanOrEqualTo(bounds + SLACK);
            // The backlog (at most the outbound bound) reaches b's member faster than it reads: the relay may drop it
            // as a slow consumer, its usual contract. A fresh member shows the bridge itself goes on.
            System.out.println("b's member " + (receiver.isOpen() ? "kept up" : "was dropped as too slow"));
            // Let the backlog finish arriving (nothing new for a second) so the fresh member meets the bridge, not it.
            long[] seen = {-1, System.nanoTime()};
            Poll.until(NATS_PATIENCE, () -> {
                long received = b.bridge.stats().received();
                if (received != seen[0] || b.bridge.stats().inboxBytes() > 0) {
                    seen[0] = received;
                    seen[1] = System.nanoTime();
                }
                return System.nanoTime() - seen[1] > 1_000_000_000L;
            }, "b's backlog delivered");
            try (FloodMember late = new FloodMember("late", b.tcp())) {
                fence(sender, late, "fence1");
            }
            assertThat(a.bridge.stats().outboxBytes()).isLessThan(NatsRoomBridge.DEFAULT_MAX_OUTBOX_BYTES);
        }
    }

    @Test
    void inboxStaysWithinItsBytesUnderMegabyteLinesWhileTheLoopIsBusy() throws Exception {
        NatsServer nats = fixture.startNats();
        int maxFrame = 2 * 1024 * 1024;
        ClusterNode a = start("a", nats, maxFrame);
        ClusterNode b = start("b", nats, maxFrame);
        try (FloodMember sender = new FloodMember("sender", a.tcp());
                FloodMember receiver = new FloodMember("receiver", b.tcp())) {
            Poll.until(NATS_PATIENCE, () -> a.roomSize() == 1 && b.roomSize() == 1, "members in their rooms");
            fence(sender, receiver, "fence0");
            long longest = maxFrame + NatsRoomBridge.PREFIX_ALLOWANCE_BYTES;
            long outboxBound = Math.max(NatsRoomBridge.DEFAULT_MAX_OUTBOX_BYTES, 8 * longest);
            long inboxBound = Math.max(NatsRoomBridge.DEFAULT_MAX_INBOX_BYTES, 4 * longest);
            long bounds = outboxBound + 2 * inboxBound; // a's outbox; b's inbox and jnats' pending queue
            long baseline = usedHeapAfterGc();

            CountDownLatch busy = new CountDownLatch(1);
            b.reactor.execute(() -> {
                busy.countDown();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait(); // the loop busy with something else for 6 s
                }
            });
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            HeapPeak peak = new HeapPeak(baseline);
            sender.startFlood(line(1_000_000));
            peak.sampleFor(6_000);
            sender.stopFlood();
            System.out.printf("1 MB lines to a loop busy for 6 s: heap +%.1f MiB at most (bound %.1f MiB); b: %s%n",
                    peak.growth() / 1048576.0, (bounds + SLACK) / 1048576.0, b.bridge.stats());
            assertThat(peak.growth()).as("heap growth").isLessThanOrEqualTo(bounds + SLACK);
            assertThat(b.bridge.stats().droppedInboxFull() + b.bridge.stats().droppedByNats())
                    .as("remote lines the busy loop could not take, dropped").isPositive();
            // The backlog (at most the inbox bound) reaches b's member faster than it reads: the relay may drop it as
            // a slow consumer, its usual contract. A fresh member shows the bridge itself goes on.
            System.out.println("b's member " + (receiver.isOpen() ? "kept up" : "was dropped as too slow"));
            // Let the backlog finish arriving (nothing new for a second) so the fresh member meets the bridge, not it.
            long[] seen = {-1, System.nanoTime()};
            Poll.until(NATS_PATIENCE, () -> {
                long received = b.bridge.stats().received();
                if (received != seen[0] || b.bridge.stats().inboxBytes() > 0) {
                    seen[0] = received;
                    seen[1] = System.nanoTime();
                }
                return System.nanoTime() - seen[1] > 1_000_000_000L;
            }, "b's backlog delivered");
            try (FloodMember late = new FloodMember("late", b.tcp())) {
                fence(sender, late, "fence1");
            }
            assertThat(b.bridge.stats().inboxBytes()).isLessThanOrEqualTo(inboxBound);
        }
    }

    @Test
    void aRemoteLineLongerThanTheLocalLimitIsDroppedAndCounted() throws Exception {
        NatsServer nats = fixture.startNats();
        ClusterNode a = start("a", nats, 256 * 1024);
        ClusterNode b = start("b", nats, 64 * 1024);
        try (FloodMember sender = new FloodMember("sender", a.tcp());
                FloodMember receiver = new FloodMember("receiver", b.tcp())) {
            Poll.until(NATS_PATIENCE, () -> a.roomSize() == 1 && b.roomSize() == 1, "members in their rooms");
            fence(sender, receiver, "fence0");
            sender.send("x".repeat(100 * 1024));
            fence(sender, receiver, "fence1");
            assertThat(b.bridge.stats().droppedTooLong()).isEqualTo(1);
            assertThat(receiver.linesReceived()).isEqualTo(receiver.shortLines().size());
        }
    }

    private ClusterNode start(String id, NatsServer nats, int maxFrame) throws Exception {
        ClusterNode n = ClusterNode.start(id, nats.url(), "bounds", maxFrame, b -> b);
        fixture.nodes.add(n);
        return n;
    }

    /** Sends a short marker until the receiver has it: every line sent before it has been dealt with. */
    private static void fence(FloodMember sender, FloodMember receiver, String marker) throws Exception {
        long deadline = System.nanoTime() + NATS_PATIENCE.toNanos() * 2;
        while (true) {
            sender.send(marker);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() < until) {
                if (receiver.shortLines().stream().anyMatch(l -> l.endsWith("] " + marker))) {
                    return;
                }
                Thread.sleep(10); // bounded by the attempt window; re-sending is the point of a fence
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("marker " + marker + " never reached the other node (receiver open="
                        + receiver.isOpen() + " lines=" + receiver.linesReceived() + " short="
                        + receiver.shortLines() + ")");
            }
        }
    }

    private static byte[] line(int bytes) {
        byte[] line = new byte[bytes];
        Arrays.fill(line, (byte) 'x');
        line[bytes - 1] = '\n';
        return line;
    }

    static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** The highest used heap (after a GC) seen above a baseline while sampling. */
    private static final class HeapPeak {
        private final long baseline;
        private final AtomicLong peak = new AtomicLong();

        HeapPeak(long baseline) {
            this.baseline = baseline;
        }

        void sampleFor(long millis) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (System.nanoTime() < until) {
                peak.accumulateAndGet(usedHeapAfterGc() - baseline, Math::max);
                Thread.sleep(250); // sampling period, bounded by the loop's deadline
            }
        }

        long growth() {
            return peak.get();
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
