package io.loopwire.probe;

import static io.loopwire.testkit.Rig.figures;
import static io.loopwire.testkit.Rig.mib;
import static io.loopwire.testkit.Rig.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import io.loopwire.testkit.Rig;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Case 10: mixed TCP and UDP chat, pings, a {@link LatencyProber} on the same reactor, and TCP clients joining and
 * leaving all the time. Every message is {@code <sender-id> <seq>}; every long-lived member checks, per sender, that
 * sequences arrive from 0 without gaps or duplicates, and at the end that it got exactly what each sender sent
 * (short-lived members send 5 lines, then {@code /quit}, and read until the server's end of stream). Heap after full
 * GCs must be back near its start.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SoakTest {
    private static final int TCP_CORE = 4;
    private static final int UDP_CORE = 2;
    private static final int RATE_HZ = 50;
    private static final int CHURN_LINES = 5;

    @Test
    void shortSoak() throws Exception {
        soak("soak-short", Duration.ofSeconds(4));
    }

    @Test
    @Tag("stress")
    void sixtySecondSoak() throws Exception {
        soak("soak", Duration.ofSeconds(Long.getLong("loopwire.soak.seconds", 60)));
    }

    /** Per-sender sequence check of one long-lived member. */
    static final class Tracker {
        final Map<String, Long> next = new HashMap<>();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong lines = new AtomicLong();

        /** {@code text} is a relayed message after {@code "] "}: {@code <id> <seq>}. */
        synchronized void accept(String text) {
            int space = text.indexOf(' ');
            if (space < 0) {
                errors.incrementAndGet();
                return;
            }
            String id = text.substring(0, space);
            long seq = Long.parseLong(text.substring(space + 1));
            long expected = next.getOrDefault(id, 0L);
            if (seq != expected) {
                errors.incrementAndGet();
            }
            next.put(id, seq + 1);
            lines.incrementAndGet();
        }

        synchronized long count(String id) {
            return next.getOrDefault(id, 0L);
        }

        void acceptRelayed(String line) {
            int at = line.indexOf("] ");
            if (line.startsWith("[") && at > 0) {
                accept(line.substring(at + 2));
            }
        }
    }

    private static void soak(String name, Duration duration) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (Reactor reactor = new Reactor("soak").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
            InetSocketAddress tcp = server.tcpAddress();
            InetSocketAddress udp = server.udpAddress();
            LatencyProber prober = LatencyProber.builder(reactor).target(udp).interval(Duration.ofMillis(100)).start();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> threads = new ArrayList<>();
            List<AutoCloseable> closeables = new ArrayList<>();
            Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
            List<Tracker> trackers = new ArrayList<>();
            List<String> trackerIds = new ArrayList<>();
            try {
                List<Rig.LineClient> tcpCore = new ArrayList<>();
                for (int i = 0; i < TCP_CORE; i++) {
                    Rig.LineClient c = new Rig.LineClient(tcp);
                    tcpCore.add(c);
                    closeables.add(c);
                }
                List<DatagramSocket> udpCore = new ArrayList<>();
                for (int i = 0; i < UDP_CORE; i++) {
                    DatagramSocket s = new DatagramSocket(0, lo);
                    s.setReceiveBufferSize(1 << 20);
                    s.setSoTimeout(200);
                    udpCore.add(s);
                    closeables.add(s);
                    s.send(new DatagramPacket(new byte[0], 0, udp)); // an empty datagram joins without a message
                }
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> server.tcpRoom().size() == TCP_CORE + UDP_CORE,
                        "core joined");
                long heapStart = Rig.heapAfterGc();
                long rssStart = Rig.rssKiB();

                for (int i = 0; i < TCP_CORE; i++) {
                    Rig.LineClient c = tcpCore.get(i);
                    Tracker tracker = new Tracker();
                    trackers.add(tracker);
                    trackerIds.add("c" + i);
                    threads.add(start("tcp-reader-" + i, () -> {
                        try {
                            String l;
                            while ((l = c.readLine()) != null) {
                                tracker.acceptRelayed(l);
                            }
                        } catch (IOException closed) {
                            // end of soak
                        }
                    }));
                    String id = "c" + i;
                    sent.put(id, new AtomicLong());
                    threads.add(start("tcp-sender-" + i, () -> paced(running, () -> {
                        long seq = sent.get(id).get();
                        c.send(id + " " + seq);
                        sent.get(id).incrementAndGet();
                    })));
                }
                for (int i = 0; i < UDP_CORE; i++) {
                    DatagramSocket s = udpCore.get(i);
                    Tracker tracker = new Tracker();
                    trackers.add(tracker);
                    trackerIds.add("u" + i);
                    threads.add(start("udp-reader-" + i, () -> {
                        DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
                        while (!s.isClosed()) {
                            try {
                                s.receive(p);
                                String datagram = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                                if (datagram.endsWith("\n")) { // every text datagram the relay sends is a line
                                    tracker.acceptRelayed(datagram.substring(0, datagram.length() - 1));
                                } else {
                                    tracker.errors.incrementAndGet();
                                }
                            } catch (java.net.SocketTimeoutException idle) {
                                // poll the closed flag
                            } catch (IOException closed) {
                                return;
                            }
                        }
                    }));
                    String id = "u" + i;
                    sent.put(id, new AtomicLong());
                    threads.add(start("udp-sender-" + i, () -> paced(running, () -> {
                        long seq = sent.get(id).get();
                        byte[] m = (id + " " + seq).getBytes(StandardCharsets.US_ASCII);
                        s.send(new DatagramPacket(m, m.length, udp));
                        sent.get(id).incrementAndGet();
                    })));
                }
                AtomicInteger churners = new AtomicInteger();
                AtomicInteger churnFailures = new AtomicInteger();
                threads.add(start("churn", () -> {
                    while (running.get()) {
                        int k = churners.getAndIncrement();
                        String id = "x" + k;
                        sent.put(id, new AtomicLong());
                        try (Rig.LineClient c = new Rig.LineClient(tcp)) {
                            for (int j = 0; j < CHURN_LINES; j++) {
                                c.send(id + " " + j);
                                sent.get(id).incrementAndGet();
                            }
                            c.send("/quit");
                            if (!c.closedByServerWithin(Duration.ofSeconds(5))) {
                                churnFailures.incrementAndGet();
                            }
                        } catch (IOException e) {
                            churnFailures.incrementAndGet();
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // pacing the churn
                    }
                }));
                AtomicLong pings = new AtomicLong();
                AtomicLong pongs = new AtomicLong();
                DatagramSocket pinger = new DatagramSocket(0, lo);
                pinger.setSoTimeout(1_000);
                closeables.add(pinger);
                threads.add(start("pinger", () -> {
                    byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
                    DatagramPacket p = new DatagramPacket(new byte[64], 64);
                    while (running.get()) {
                        try {
                            pinger.send(new DatagramPacket(ping, ping.length, udp));
                            pings.incrementAndGet();
                            pinger.receive(p);
                            if (new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII).equals("ping")) {
                                pongs.incrementAndGet();
                            }
                        } catch (IOException e) {
                            // counted as a missing pong
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // pacing the pinger
                    }
                }));

                long t0 = System.nanoTime();
                long midHeap = 0;
                long midRss = 0;
                while (System.nanoTime() - t0 < duration.toNanos()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // the soak's length
                    if (midHeap == 0 && System.nanoTime() - t0 > duration.toNanos() / 2) {
                        midHeap = Rig.heapNow();
                        midRss = Rig.rssKiB();
                    }
                }
                running.set(false);
                for (Thread t : threads) {
                    if (t.getName().contains("sender") || t.getName().equals("churn")
                            || t.getName().equals("pinger")) {
                        t.join(10_000);
                    }
                }
                // Wait until every long-lived member got everything every other sender sent.
                Poll.until(Duration.ofSeconds(20), () -> missing(trackers, trackerIds, sent) == 0,
                        "all messages delivered");
                ProbeStats.Figures probes = onLoop(reactor, () -> prober.targets().get(0).stats().snapshot())
                        .lifetime();
                prober.close();
                long errors = trackers.stream().mapToLong(t -> t.errors.get()).sum();
                long lines = trackers.stream().mapToLong(t -> t.lines.get()).sum();
                long totalSent = sent.values().stream().mapToLong(AtomicLong::get).sum();
                String tcpStats = onLoop(reactor, () -> server.tcpServer().stats().toString());
                String udpStats = onLoop(reactor, () -> server.udpEndpoint().stats().toString());
                int keys = onLoop(reactor, reactor::registeredChannels);
                for (AutoCloseable c : closeables) {
                    c.close();
                }
                Poll.onLoopUntil(Duration.ofSeconds(10), reactor, () -> server.tcpServer().stats().open() == 0,
                        "clients gone");
                for (Thread t : threads) {
                    t.join(10_000);
                }
                long heapEnd = Rig.heapAfterGc();
                figures(name, "duration=" + duration.toSeconds() + "s sent=" + totalSent + " delivered=" + lines
                        + " lost=" + missing(trackers, trackerIds, sent) + " seqErrors(gap/dup/order)=" + errors
                        + " churners=" + churners + " churnFailures=" + churnFailures + " pings=" + pings + " pongs="
                        + pongs + " probes sent/received/lost=" + probes.sent() + "/" + probes.received() + "/"
                        + probes.lost() + " probeP99=" + Rig.ms(probes.p99Nanos()) + " keysAtEnd=" + keys
                        + " heapAfterGc start/end=" + mib(heapStart) + "/" + mib(heapEnd) + " heapMidNoGc="
                        + mib(midHeap) + " rss start/mid/end=" + rssStart + "/" + midRss + "/" + Rig.rssKiB()
                        + "KiB " + tcpStats + " " + udpStats);
                assertThat(errors).as("gaps, duplicates or reordering").isZero();
                assertThat(missing(trackers, trackerIds, sent)).as("lost").isZero();
                assertThat(churnFailures.get()).isZero();
                assertThat(probes.lost()).as("probes lost").isZero();
                assertThat(pongs.get()).as("pings answered").isEqualTo(pings.get());
                assertThat(heapEnd - heapStart).as("heap after GC back near its start").isLessThan(16L << 20);
            } finally {
                running.set(false);
                for (AutoCloseable c : closeables) {
                    c.close();
                }
                prober.close();
            }
        }
    }

    /** Messages some long-lived member has not (yet) received from some other sender. */
    private static long missing(List<Tracker> trackers, List<String> ids, Map<String, AtomicLong> sent) {
        long missing = 0;
        for (int r = 0; r < trackers.size(); r++) {
            for (Map.Entry<String, AtomicLong> e : sent.entrySet()) {
                if (!e.getKey().equals(ids.get(r))) {
                    missing += Math.max(0, e.getValue().get() - trackers.get(r).count(e.getKey()));
                }
            }
        }
        return missing;
    }

    interface Step {
        void run() throws IOException;
    }

    /** Runs {@code step} {@value #RATE_HZ} times a second until {@code running} turns false. */
    private static void paced(AtomicBoolean running, Step step) {
        long period = TimeUnit.SECONDS.toNanos(1) / RATE_HZ;
        long next = System.nanoTime();
        try {
            while (running.get()) {
                step.run();
                next += period;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing a steady-rate sender
                }
            }
        } catch (SocketException closed) {
            // end of soak
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
