package io.loopwire.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * UDP fan-out load for a chat relay (RelayLoad's UDP twin): N UDP members on ONE selector thread, each keeping at
 * most {@code window} messages unacknowledged (auto: about 20,000 deliveries in flight in all, at most 64 per member:
 * 64 at 10 members, 2 at 100), where a message counts as acknowledged when all N-1 other members
 * received it (or {@code giveUp} passed: UDP may lose it, and a lost message must not stall its sender). Every
 * delivery's latency (receive time minus the send time carried in the datagram) goes into an HdrHistogram; per
 * (receiver, sender) counters give the losses and duplicates.
 *
 * <p>Datagram sent (exactly {@code size} bytes, default 64): {@code U<sender:6> <seq:10> <sendNanos:19> ...}; the
 * server delivers it as {@code [ip:port] U...}. Lines starting {@code *} (notices) are ignored.
 *
 * <p>Phases: every member sends an empty datagram (the open-mode join), then sync datagrams ({@code S<sender:6>}),
 * re-sent every 100 ms until each member has heard every other one's (so the room is complete whether or not joins
 * were announced one by one); send for {@code warmup} (not counted), then for {@code duration}; then read until every
 * counted message has reached its N-1 receivers or nothing arrived for {@code drain}. Every member's socket asks a
 * 4 MiB SO_RCVBUF, so losses counted are the server's (or the kernel's at the server's socket), not the load's.
 *
 * <p>deliveries/s counts every delivery between the start of measurement and the end of sending; CPU of the server
 * (with {@code --server-pid}) runs from the start of measurement to the end of the drain, per counted delivery;
 * {@code load_cpu_ms} is this generator's own CPU over the same time (near one core: the generator was the limit).
 *
 * @implNote Single-threaded; no allocation per message.
 */
public final class UdpRelayLoad {
    static final int MIN_SIZE = 40;
    private static final long MAX_LATENCY_NANOS = 60_000_000_000L;
    private static final long GIVE_UP_NANOS = 1_000_000_000L;
    /** Deliveries in flight the auto window aims at: the server's and the members' socket buffers hold them. */
    private static final long IN_FLIGHT_DELIVERIES = 20_000;

    public record Config(InetSocketAddress server, int members, int size, int window, Duration warmup,
                         Duration duration, Duration drain, Duration joinTimeout, long serverPid) {
    }

    static final String USAGE = "usage: java -cp benchmarks.jar io.loopwire.bench.UdpRelayLoad [--host 127.0.0.1] "
            + "[--port 12345] [--members 10] [--size 64] [--window N] [--warmup 1s] [--duration 5s] [--drain 3s] "
            + "[--join-timeout 20s] [--server-pid PID]";

    private UdpRelayLoad() {
    }

    public static void main(String[] args) throws IOException {
        Config config;
        try {
            Cli cli = Cli.parse(args, Set.of("host", "port", "members", "size", "window", "warmup", "duration",
                    "drain", "join-timeout", "server-pid"), Set.of());
            config = new Config(cli.socketAddress("host", "127.0.0.1", "port", 12345),
                    (int) cli.number("members", 10, 2, 20_000), (int) cli.number("size", 64, MIN_SIZE, 65_000),
                    (int) cli.number("window", 0, 0, 1 << 16), cli.duration("warmup", Duration.ofSeconds(1)),
                    cli.duration("duration", Duration.ofSeconds(5)), cli.duration("drain", Duration.ofSeconds(3)),
                    cli.duration("join-timeout", Duration.ofSeconds(20)), cli.number("server-pid", 0, 0,
                            Long.MAX_VALUE));
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, USAGE);
            return;
        }
        System.out.println(run(config));
    }

    /** Runs the load on the calling thread and returns its one summary line; closes every member. */
    public static String run(Config config) throws IOException {
        try (Run run = new Run(config)) {
            return run.execute();
        }
    }

    private static final class Run implements AutoCloseable {
        private final Config c;
        private final int n;
        private final int window;
        private final Selector selector;
        private final DatagramChannel[] channels;
        private final long[] nextSeq;
        private final long[] firstCounted;  // first counted sequence per sender; MAX_VALUE until measuring
        private final long[] oldest;        // oldest unacknowledged sequence per sender
        private final int[] acks;           // ring [sender * window + seq % window]: receivers that have it
        private final long[] sentAt;        // ring, same slots: send time
        private final long[] lastSeq;       // [receiver * n + sender]: highest sequence seen, -1 none
        private final boolean[] synced;     // [receiver * n + sender]: sync heard
        private final Histogram latency = new Histogram(MAX_LATENCY_NANOS, 3);
        private final ByteBuffer in = ByteBuffer.allocateDirect(70_000);
        private final ByteBuffer out;
        private final Consumer<SelectionKey> onKey = this::onKey;
        private boolean measuring;
        private boolean sending = true;
        private long arrived;      // deliveries while measuring and sending
        private long delivered;    // deliveries of counted messages
        private long dup;
        private long syncedPairs;
        private long lastArrival;

        Run(Config c) throws IOException {
            this.c = c;
            this.n = c.members();
            this.window = c.window() > 0 ? c.window()
                    : (int) Math.max(1, Math.min(64, IN_FLIGHT_DELIVERIES / ((long) n * (n - 1))));
            this.selector = Selector.open();
            this.channels = new DatagramChannel[n];
            this.nextSeq = new long[n];
            this.firstCounted = new long[n];
            this.oldest = new long[n];
            this.acks = new int[n * window];
            this.sentAt = new long[n * window];
            this.lastSeq = new long[n * n];
            this.synced = new boolean[n * n];
            this.out = ByteBuffer.allocateDirect(c.size());
            java.util.Arrays.fill(firstCounted, Long.MAX_VALUE);
            java.util.Arrays.fill(lastSeq, -1);
            for (int i = 0; i < n; i++) {
                DatagramChannel ch = DatagramChannel.open();
                channels[i] = ch;
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 * 1024 * 1024);
                ch.bind(new InetSocketAddress(c.server().getAddress(), 0));
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, i);
            }
        }

        String execute() throws IOException {
            ByteBuffer empty = ByteBuffer.allocate(0);
            for (DatagramChannel ch : channels) {
                ch.send(empty.clear(), c.server());
            }
            sync();
            long start = System.nanoTime();
            long warmEnd = start + c.warmup().toNanos();
            long end = warmEnd + c.duration().toNanos();
            long cpuStart = -1;
            long loadCpuStart = -1;
            long measureStart = 0;
            while (true) {
                long now = System.nanoTime();
                if (!measuring && now - warmEnd >= 0) {
                    measuring = true;
                    measureStart = now;
                    cpuStart = ProcCpu.cpuNanos(c.serverPid());
                    loadCpuStart = ProcCpu.cpuNanos(ProcessHandle.current().pid());
                    System.arraycopy(nextSeq, 0, firstCounted, 0, n);
                }
                if (now - end >= 0) {
                    break;
                }
                fillWindows(now);
                selector.select(onKey, 1);
            }
            long sendEnd = System.nanoTime();
            sending = false;
            double seconds = (sendEnd - measureStart) / 1e9;
            long arrivedMeasured = arrived;
            long expected = 0;
            for (int s = 0; s < n; s++) {
                expected += (nextSeq[s] - firstCounted[s]) * (n - 1);
            }
            lastArrival = System.nanoTime();
            long hardEnd = lastArrival + 10 * c.drain().toNanos();
            while (delivered < expected && System.nanoTime() - lastArrival < c.drain().toNanos()
                    && System.nanoTime() - hardEnd < 0) {
                selector.select(onKey, 10);
            }
            long cpuEnd = ProcCpu.cpuNanos(c.serverPid());
            long serverCpu = cpuStart < 0 || cpuEnd < 0 ? -1 : cpuEnd - cpuStart;
            long loadCpuEnd = ProcCpu.cpuNanos(ProcessHandle.current().pid());
            long loadCpu = loadCpuStart < 0 || loadCpuEnd < 0 ? -1 : loadCpuEnd - loadCpuStart;
            long sent = 0;
            for (int s = 0; s < n; s++) {
                sent += nextSeq[s] - firstCounted[s];
            }
            return String.format(Locale.ROOT, "udp-relay server=%s members=%d size=%d window=%d seconds=%.2f "
                            + "sent=%d expected=%d delivered=%d lost=%d dup=%d deliveries_per_s=%.0f p50_us=%.1f "
                            + "p99_us=%.1f p999_us=%.1f max_us=%.1f server_cpu_ms=%s server_cpu_ns_per_delivery=%s load_cpu_ms=%s",
                    Cli.hostPort(c.server()), n, c.size(), window, seconds, sent, expected, delivered,
                    Math.max(0, expected - delivered), dup, arrivedMeasured / seconds,
                    latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3,
                    latency.getValueAtPercentile(99.9) / 1e3, latency.getMaxValue() / 1e3,
                    serverCpu < 0 ? "-" : String.format(Locale.ROOT, "%.0f", serverCpu / 1e6),
                    serverCpu < 0 || delivered == 0 ? "-" : String.format(Locale.ROOT, "%.0f",
                            (double) serverCpu / delivered),
                    loadCpu < 0 ? "-" : String.format(Locale.ROOT, "%.0f", loadCpu / 1e6));
        }

        /** Sync datagrams until every member heard every other, re-sent every 100 ms; bounded by joinTimeout. */
        private void sync() throws IOException {
            long deadline = System.nanoTime() + c.joinTimeout().toNanos();
            long pairs = (long) n * (n - 1);
            while (syncedPairs < pairs) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("room not complete after " + c.joinTimeout() + ": " + syncedPairs + " of "
                            + pairs + " member pairs heard each other");
                }
                for (int s = 0; s < n; s++) {
                    out.clear();
                    out.put((byte) 'S');
                    putDecimal(s, 6);
                    out.flip();
                    channels[s].send(out, c.server());
                }
                long until = System.nanoTime() + 100_000_000L;
                while (syncedPairs < pairs && System.nanoTime() - until < 0) {
                    selector.select(onKey, 10);
                }
            }
        }

        private void fillWindows(long now) throws IOException {
            for (int s = 0; s < n; s++) {
                while (true) {
                    long seq = nextSeq[s];
                    if (seq - oldest[s] >= window) {
                        int slot = s * window + (int) (oldest[s] % window);
                        if (acks[slot] < n - 1 && now - sentAt[slot] < GIVE_UP_NANOS) {
                            break; // window full of messages still on their way
                        }
                        oldest[s]++; // complete (or given up for lost): the window moves
                        continue;
                    }
                    out.clear();
                    out.put((byte) 'U');
                    putDecimal(s, 6);
                    out.put((byte) ' ');
                    putDecimal(seq, 10);
                    out.put((byte) ' ');
                    long t = System.nanoTime();
                    putDecimal(t, 19);
                    while (out.hasRemaining()) {
                        out.put((byte) 'x');
                    }
                    out.flip();
                    if (channels[s].send(out, c.server()) == 0) {
                        break; // the kernel's send buffer is full: try again next round
                    }
                    int slot = s * window + (int) (seq % window);
                    acks[slot] = 0;
                    sentAt[slot] = t;
                    nextSeq[s] = seq + 1;
                }
            }
        }

        private void putDecimal(long value, int width) {
            int p = out.position() + width;
            for (int i = 1; i <= width; i++) {
                out.put(p - i, (byte) ('0' + value % 10));
                value /= 10;
            }
            out.position(p);
        }

        private void onKey(SelectionKey key) {
            int r = (Integer) key.attachment();
            DatagramChannel ch = channels[r];
            try {
                for (int i = 0; i < 256; i++) {
                    in.clear();
                    if (ch.receive(in) == null) {
                        return;
                    }
                    in.flip();
                    onDatagram(r, System.nanoTime());
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private void onDatagram(int receiver, long now) {
            int limit = in.limit();
            int p = 0;
            while (p < limit && in.get(p) != ']') {
                p++;
            }
            p += 2; // "] "
            if (p >= limit) {
                return; // a notice or something else
            }
            byte kind = in.get(p);
            if (kind == 'S' && p + 7 <= limit) {
                int sender = (int) decimal(p + 1, 6);
                if (sender < n && !synced[receiver * n + sender]) {
                    synced[receiver * n + sender] = true;
                    syncedPairs++;
                }
                return;
            }
            if (kind != 'U' || p + 38 > limit) {
                return;
            }
            int sender = (int) decimal(p + 1, 6);
            long seq = decimal(p + 8, 10);
            long sentNanos = decimal(p + 19, 19);
            if (sender >= n) {
                return;
            }
            lastArrival = now;
            int pair = receiver * n + sender;
            if (seq <= lastSeq[pair]) {
                dup++;
                return;
            }
            lastSeq[pair] = seq;
            if (measuring && sending) {
                arrived++;
            }
            if (seq >= oldest[sender]) {
                acks[sender * window + (int) (seq % window)]++;
            }
            if (seq >= firstCounted[sender]) {
                delivered++;
                latency.recordValue(Math.min(MAX_LATENCY_NANOS, Math.max(0, now - sentNanos)));
            }
        }

        private long decimal(int p, int width) {
            long v = 0;
            for (int i = 0; i < width; i++) {
                v = v * 10 + (in.get(p + i) - '0');
            }
            return v;
        }

        @Override
        public void close() throws IOException {
            ByteBuffer quit = ByteBuffer.wrap(new byte[] {'/', 'q', 'u', 'i', 't'});
            for (DatagramChannel ch : channels) {
                if (ch != null) {
                    ch.send(quit.clear(), c.server());
                    ch.close();
                }
            }
            selector.close();
        }
    }
}
