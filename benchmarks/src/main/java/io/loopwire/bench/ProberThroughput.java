package io.loopwire.bench;

import io.loopwire.Reactor;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeKind;
import io.loopwire.probe.ProbeListener;
import io.loopwire.probe.ProbeTarget;
import io.loopwire.probe.TargetSpec;
import io.loopwire.tcp.TcpServer;
import io.loopwire.relay.PingEcho;
import io.loopwire.udp.UdpEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How many probes per second one {@link LatencyProber} thread sustains, and what it allocates per probe.
 *
 * <p>{@code --targets} distinct echo sockets ({@link PingEcho}) run on a second reactor, spread over
 * {@code --ips} loopback addresses ({@code 127.0.0.1 .. 127.0.0.<ips>}, all served by Linux's {@code lo}) so that
 * every target has its own address. One prober on its own reactor probes them all every {@code --interval}
 * (asked rate = targets / interval). After {@code --warmup}, over {@code --duration}: probes sent and rounds
 * resolved per second, replies, losses, and the prober thread's CPU time and heap allocation per probe.
 *
 * <p>The public API triggers rounds only by the interval, so this is a main rather than a JMH benchmark: a short
 * interval asks more than one thread can do and the achieved rate is its capacity (the reactor skips missed timer
 * runs instead of bursting).
 *
 * <pre>
 * java -cp benchmarks.jar io.loopwire.bench.ProberThroughput [--targets 10000] [--ips 100] [--interval 100ms]
 *      [--warmup 3s] [--duration 5s] [--kind udp|tcp]
 * </pre>
 *
 * <p>{@code --kind tcp}: the targets are {@link TcpServer}s on the second reactor and each probe is a TCP connect
 * (then closed); the figures are then the cost of a {@code tcp://} probe. Keep the rate modest (every probe leaves a
 * socket in TIME_WAIT on the prober's side).
 */
public final class ProberThroughput {
    private ProberThroughput() {
    }

    /** Counts rounds on the prober's reactor thread; read there too. */
    private static final class Counter implements ProbeListener {
        long replies;
        long losses;

        @Override
        public void onRound(ProbeTarget target, long rttNanos, LinkState state) {
            if (rttNanos < 0) {
                losses++;
            } else {
                replies++;
            }
        }
    }

    /** Counters read on the prober thread at one instant. */
    private record Reading(long nanos, long sent, long replies, long losses, long late, long foreign, long cpuNanos,
            long allocatedBytes) {
    }

    public static void main(String[] args) throws Exception {
        int targetCount;
        ProbeKind kind;
        int ips;
        Duration interval;
        Duration warmup;
        Duration duration;
        try {
            Cli cli = Cli.parse(args, Set.of("targets", "ips", "interval", "warmup", "duration", "kind"), Set.of());
            kind = ProbeKind.valueOf(cli.string("kind", "udp").toUpperCase(Locale.ROOT));
            targetCount = (int) cli.number("targets", 10_000, 1, 60_000);
            ips = (int) cli.number("ips", 100, 1, 250);
            interval = cli.duration("interval", Duration.ofMillis(100));
            warmup = cli.duration("warmup", Duration.ofSeconds(3));
            duration = cli.duration("duration", Duration.ofSeconds(5));
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, "usage: java -cp benchmarks.jar " + ProberThroughput.class.getName()
                    + " [--targets 10000] [--ips 100] [--interval 100ms] [--warmup 3s] [--duration 5s]"
                    + " [--kind udp|tcp]");
            return;
        }
        Reactor echoReactor = new Reactor("echo-reactor");
        Reactor proberReactor = new Reactor("prober-reactor");
        List<InetSocketAddress> echoes = new ArrayList<>(targetCount);
        PingEcho pingEcho = new PingEcho();
        Counter counter = new Counter();
        LatencyProber prober = null;
        try {
            // Registered before the echo loop starts: 10,000 start() calls then cost no cross-thread hand-off.
            for (int i = 0; i < targetCount; i++) {
                InetAddress ip = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (1 + i % ips)});
                if (kind == ProbeKind.TCP) {
                    echoes.add(TcpServer.builder(echoReactor).bind(new InetSocketAddress(ip, 0)).backlog(1024)
                            .handler((connection, frame) -> { }).start().localAddress());
                } else {
                    echoes.add(UdpEndpoint.builder(echoReactor)
                            .bind(new InetSocketAddress(ip, 0))
                            .handler(pingEcho::answer)
                            .start().localAddress());
                }
            }
            echoReactor.start();
            proberReactor.start();
            LatencyProber.Builder builder = LatencyProber.builder(proberReactor)
                    .bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0))
                    .interval(interval)
                    .listener(counter);
            for (InetSocketAddress echo : echoes) {
                builder.target(new TargetSpec(echo.getAddress().getHostAddress() + ":" + echo.getPort(), kind, echo));
            }
            prober = builder.start();
            long tid = ThreadAllocation.reactorThreadId(proberReactor);
            long echoTid = ThreadAllocation.reactorThreadId(echoReactor);
            LatencyProber p = prober;
            Thread.sleep(warmup.toMillis());
            Reading a = read(proberReactor, p, counter, tid);
            long echoBytesA = ThreadAllocation.allocatedBytes(echoTid);
            long echoCpuA = ThreadAllocation.cpuNanos(echoTid);
            long rcvbufErrorsA = udpRcvbufErrors();
            Thread.sleep(duration.toMillis());
            Reading b = read(proberReactor, p, counter, tid);
            long echoBytesB = ThreadAllocation.allocatedBytes(echoTid);
            long echoCpuB = ThreadAllocation.cpuNanos(echoTid);
            long rcvbufErrorsB = udpRcvbufErrors();
            double seconds = (b.nanos - a.nanos) / 1e9;
            long sent = b.sent - a.sent;
            long rounds = (b.replies - a.replies) + (b.losses - a.losses);
            System.out.println(String.format(Locale.ROOT,
                    "prober kind=%s targets=%d ips=%d interval_ms=%d asked_per_s=%.0f seconds=%.2f sent=%d sent_per_s=%.0f"
                            + " rounds_per_s=%.0f replies=%d lost=%d prober_cpu_ns_per_probe=%.0f"
                            + " late=%d foreign=%d kernel_rcvbuf_drops=%d"
                            + " probes_per_cpu_s=%.0f prober_bytes_per_probe=%.2f echo_bytes_per_probe=%.2f"
                            + " echo_cpu_ns_per_probe=%.0f",
                    kind.scheme(), targetCount, ips, interval.toMillis(), targetCount * 1e9 / interval.toNanos(), seconds, sent,
                    sent / seconds, rounds / seconds, b.replies - a.replies, b.losses - a.losses,
                    (double) (b.cpuNanos - a.cpuNanos) / sent, b.late - a.late, b.foreign - a.foreign,
                    rcvbufErrorsB - rcvbufErrorsA, sent * 1e9 / (b.cpuNanos - a.cpuNanos),
                    (double) (b.allocatedBytes - a.allocatedBytes) / sent, (double) (echoBytesB - echoBytesA) / sent,
                    (double) (echoCpuB - echoCpuA) / sent));
        } finally {
            if (prober != null) {
                prober.close();
            }
            proberReactor.close();
            echoReactor.close();
        }
    }

    /** Datagrams the kernel dropped for a full socket receive buffer, all sockets (/proc/net/snmp), or -1. */
    private static long udpRcvbufErrors() {
        try {
            List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/snmp"));
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).startsWith("Udp:") && lines.get(i + 1).startsWith("Udp:")) {
                    List<String> names = List.of(lines.get(i).split(" +"));
                    String[] values = lines.get(i + 1).split(" +");
                    return Long.parseLong(values[names.indexOf("RcvbufErrors")]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or another layout
        }
        return -1;
    }

    private static Reading read(Reactor reactor, LatencyProber prober, Counter counter, long tid) throws IOException {
        return reactor.call(() -> {
            long sent = 0;
            for (ProbeTarget t : prober.targets()) {
                sent += t.stats().sent();
            }
            return new Reading(System.nanoTime(), sent, counter.replies, counter.losses, prober.late(), prober.foreign(),
                    ThreadAllocation.cpuNanos(tid), ThreadAllocation.allocatedBytes(tid));
        });
    }
}
