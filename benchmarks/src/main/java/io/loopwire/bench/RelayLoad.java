package io.loopwire.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * TCP fan-out load for a chat relay: N clients on ONE selector thread send fixed-size lines; every client reads
 * everything; each delivery's latency (receive time minus the send time carried in the line) goes into an
 * HdrHistogram, and per (receiver, sender) sequence numbers count losses and duplicates.
 *
 * <p>Line sent (exactly {@code size} bytes including {@code \n}, default 64):
 * {@code L<sender:6> <seq:10> <sendNanos:19> xxx...\n}, decimal, fixed width. The server delivers it as
 * {@code [ip:port] L...}; {@code * ... joined/left} notices are used only to know when everyone is in the room.
 *
 * <p>Phases: connect all clients; wait (bounded by {@code joinTimeout}) until every client is known to be a
 * member (someone saw its join notice, or it saw someone else's) so that every later line reaches N-1
 * receivers; send for {@code warmup} (not counted); send for {@code duration} or {@code count} messages per
 * sender; then read until every counted message has reached its N-1 receivers, or nothing arrived for
 * {@code drainTimeout}, or 10 x {@code drainTimeout} passed.
 *
 * <p>Modes. {@code RATE}: {@code rate} messages/s in total, round-robin across senders, paced at the selector's
 * 1 ms timer granularity; a line is stamped when it is handed to the socket, and lines the generator could not
 * hand over in time are reported as {@code behind}. {@code MAX}: each sender keeps at most {@code window}
 * messages unacknowledged, and a message counts as acknowledged when ALL N-1 receivers have it (a per-sender
 * ring of delivery counters; the window moves when its oldest message is complete). That bounds what any
 * receiver can have queued at the server to about N x window lines, so a well-behaved server never needs to
 * disconnect a slow consumer; {@code window 0} picks min(64, 256 KiB / (N x (size + 24))).
 *
 * <p>TLS ({@code tls} set in the config, {@code --tls-ca FILE} on the command line): each client does its handshake
 * blocking while connecting, then runs nonblocking on the same selector through a {@link TlsClientChannel} (the
 * JDK's {@code SSLEngine}); lines, windows and counting are unchanged, and the summary names the negotiated protocol
 * and cipher suite.
 *
 * <p>deliveries/s is the steady state: every delivery (warm-up lines included) that arrived between the start of
 * measurement and the end of sending, divided by that time; the drain tail does not dilute it. Latency, loss and
 * duplicates are over the counted lines (sent after warm-up), drain included. With a server PID, the server's
 * CPU (utime + stime) from the start of measurement to the end of the drain is reported, and per counted
 * delivery (deliveries of warm-up lines during that time make this a slight overestimate, the same for every
 * server).
 *
 * @implNote Single-threaded: {@link #run} owns every socket and array; no locks, no allocation per message.
 */
public final class RelayLoad {
    /** Pace of the senders. */
    public enum Mode { RATE, MAX }

    /** Smallest line that holds the header plus {@code \n}. */
    public static final int MIN_LINE_BYTES = 40;
    private static final long MAX_LATENCY_NANOS = 60_000_000_000L;
    private static final byte[] JOINED = " joined".getBytes(StandardCharsets.US_ASCII);

    /**
     * @param rate              messages/s in total (RATE mode)
     * @param window            unacknowledged messages per sender (MAX mode); 0 = auto
     * @param messagesPerSender if positive, stop after this many counted messages per sender instead of duration
     * @param serverPid         server process to read CPU time from; 0 = none
     * @param tls               the clients' TLS context (trusting the server's certificate), or null for plaintext
     * @param cipherSuite       with TLS, the one suite to offer, or null for the JDK's defaults
     */
    public record Config(InetSocketAddress server, int clients, int lineBytes, Mode mode, double rate, int window,
                         Duration warmup, Duration duration, long messagesPerSender, Duration drainTimeout,
                         Duration joinTimeout, long serverPid, SSLContext tls, String cipherSuite) {
        /** Plaintext. */
        public Config(InetSocketAddress server, int clients, int lineBytes, Mode mode, double rate, int window,
                      Duration warmup, Duration duration, long messagesPerSender, Duration drainTimeout,
                      Duration joinTimeout, long serverPid) {
            this(server, clients, lineBytes, mode, rate, window, warmup, duration, messagesPerSender, drainTimeout,
                    joinTimeout, serverPid, null, null);
        }

        public Config {
            if (clients < 2 || clients > 999_999) {
                throw new IllegalArgumentException("clients must be in [2, 999999], got " + clients);
            }
            if (lineBytes < MIN_LINE_BYTES || lineBytes > 65536) {
                throw new IllegalArgumentException("size must be in [" + MIN_LINE_BYTES + ", 65536], got " + lineBytes);
            }
            if (mode == Mode.RATE && !(rate > 0)) {
                throw new IllegalArgumentException("rate must be > 0 messages/s, got " + rate);
            }
            if (window < 0) {
                throw new IllegalArgumentException("window must be >= 0, got " + window);
            }
        }

        /** Count mode, no warm-up: what a smoke test wants. */
        public static Config count(InetSocketAddress server, int clients, long messagesPerSender) {
            return new Config(server, clients, 64, Mode.MAX, 0, 0, Duration.ZERO, Duration.ofSeconds(60),
                    messagesPerSender, Duration.ofSeconds(5), Duration.ofSeconds(10), 0);
        }

        /** The same run over TLS. */
        public Config withTls(SSLContext context, String suite) {
            return new Config(server, clients, lineBytes, mode, rate, window, warmup, duration, messagesPerSender,
                    drainTimeout, joinTimeout, serverPid, context, suite);
        }
    }

    /** What one run measured; latencies in microseconds, CPU in nanoseconds (-1 when not measured). */
    public record Result(Config config, int window, long sent, long expected, long delivered, long lost, long dup,
                         long closed, long errors, long behind, double seconds, double deliveriesPerSecond,
                         double p50Micros, double p99Micros, double p999Micros, double maxMicros,
                         long serverCpuNanos, long loadCpuNanos, String tls) {
        public double serverCpuNanosPerDelivery() {
            return serverCpuNanos < 0 || delivered == 0 ? -1 : (double) serverCpuNanos / delivered;
        }

        /** The one summary line, {@code key=value} pairs for scripts. */
        public String summary() {
            Config c = config;
            return String.format(Locale.ROOT, "relay server=%s clients=%d size=%d mode=%s rate=%s window=%s "
                            + "seconds=%.2f sent=%d expected=%d delivered=%d lost=%d dup=%d closed=%d errors=%d "
                            + "behind=%d deliveries_per_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
                            + "server_cpu_ms=%s server_cpu_ns_per_delivery=%s load_cpu_ms=%s tls=%s",
                    Cli.hostPort(c.server()), c.clients(), c.lineBytes(), c.mode().name().toLowerCase(Locale.ROOT),
                    c.mode() == Mode.RATE ? String.format(Locale.ROOT, "%.0f", c.rate()) : "-",
                    c.mode() == Mode.MAX ? Integer.toString(window) : "-",
                    seconds, sent, expected, delivered, lost, dup, closed, errors, behind, deliveriesPerSecond,
                    p50Micros, p99Micros, p999Micros, maxMicros,
                    serverCpuNanos < 0 ? "-" : String.format(Locale.ROOT, "%.0f", serverCpuNanos / 1e6),
                    serverCpuNanos < 0 ? "-" : String.format(Locale.ROOT, "%.0f", serverCpuNanosPerDelivery()),
                    loadCpuNanos < 0 ? "-" : String.format(Locale.ROOT, "%.0f", loadCpuNanos / 1e6),
                    tls == null ? "-" : tls);
        }
    }

    static final String USAGE = "usage: java -cp benchmarks.jar io.loopwire.bench.RelayLoad [--host 127.0.0.1] "
            + "[--port 12345] [--clients 10] [--size 64] (--rate MSGS_PER_S | --max [--window N]) "
            + "[--duration 5s | --count PER_SENDER] [--warmup 1s] [--drain 5s] [--join-timeout 30s] "
            + "[--server-pid PID] [--tls-ca PEM_FILE [--tls-cipher SUITE]]";

    private RelayLoad() {
    }

    public static void main(String[] args) throws IOException {
        Config config;
        try {
            Cli cli = Cli.parse(args, Set.of("host", "port", "clients", "size", "rate", "window", "duration", "count",
                    "warmup", "drain", "join-timeout", "server-pid", "tls-ca", "tls-cipher"), Set.of("max"));
            boolean max = cli.flag("max");
            if (max == cli.has("rate")) {
                throw new IllegalArgumentException("give exactly one of --rate R and --max");
            }
            config = new Config(cli.socketAddress("host", "127.0.0.1", "port", 12345),
                    (int) cli.number("clients", 10, 2, 999_999), (int) cli.number("size", 64, MIN_LINE_BYTES, 65536),
                    max ? Mode.MAX : Mode.RATE, cli.number("rate", 0, 0, Integer.MAX_VALUE),
                    (int) cli.number("window", 0, 0, 1 << 20),
                    cli.duration("warmup", Duration.ofSeconds(1)), cli.duration("duration", Duration.ofSeconds(5)),
                    cli.number("count", 0, 0, Long.MAX_VALUE), cli.duration("drain", Duration.ofSeconds(5)),
                    cli.duration("join-timeout", Duration.ofSeconds(30)), cli.number("server-pid", 0, 0, Long.MAX_VALUE));
            if (cli.has("tls-ca")) {
                config = config.withTls(TlsClientChannel.trusting(Path.of(cli.string("tls-ca", ""))),
                        cli.has("tls-cipher") ? cli.string("tls-cipher", "") : null);
            } else if (cli.has("tls-cipher")) {
                throw new IllegalArgumentException("--tls-cipher needs --tls-ca");
            }
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, USAGE);
            return;
        }
        System.out.println(run(config).summary());
    }

    /** Runs the load on the calling thread and returns when the drain is over; closes every client. */
    public static Result run(Config config) throws IOException {
        try (Run r = new Run(config)) {
            return r.execute();
        }
    }

    private static final class Run implements AutoCloseable {
        private final Config c;
        private final int n;
        private final int line;
        private final boolean maxMode;
        private final int window;
        private final Selector selector;
        private final SocketChannel[] channels;
        private final TlsClientChannel[] tls; // null for plaintext
        private final boolean[] revisit;      // TLS: whole records may be buffered; read again before selecting
        private int revisits;
        private String negotiated;
        private final SelectionKey[] keys;
        private final ByteBuffer[] in;
        private final ByteBuffer[] out;
        private final long[] nextSeq;
        private final long[] warmSeq;      // first counted sequence per sender; MAX_VALUE until measuring
        private final long[] owed;         // RATE: messages due but not yet handed to the socket
        private final long[] completed;    // MAX: messages of this sender delivered to all N-1 receivers
        private final int[] ackCounts;     // MAX: ring of delivery counts, window slots per sender
        private final long[] expectSeq;    // [receiver * n + sender]: next sequence expected
        private final boolean[] closed;
        private final boolean[] member;
        private final int[] clientByPort = new int[65536];
        private final Histogram latency = new Histogram(MAX_LATENCY_NANOS, 3);
        private final Consumer<SelectionKey> onKey = this::onKey;
        private final long epoch = System.nanoTime() - 1;
        private int members;
        private boolean measuring;
        private long measureStart;
        private long delivered;
        private long arrived; // every in-order delivery while measuring, counted lines or not
        private long dup;
        private long closedCount;
        private long errors;
        private long unknown;

        Run(Config c) throws IOException {
            this.c = c;
            this.n = c.clients();
            this.line = c.lineBytes();
            this.maxMode = c.mode() == Mode.MAX;
            this.window = !maxMode ? 0 : c.window() > 0 ? c.window()
                    : (int) Math.max(1, Math.min(64, 256 * 1024L / ((long) n * (line + 24))));
            this.selector = Selector.open();
            this.channels = new SocketChannel[n];
            this.tls = c.tls() == null ? null : new TlsClientChannel[n];
            this.revisit = new boolean[n];
            this.keys = new SelectionKey[n];
            this.in = new ByteBuffer[n];
            this.out = new ByteBuffer[n];
            this.nextSeq = new long[n];
            this.warmSeq = new long[n];
            Arrays.fill(warmSeq, Long.MAX_VALUE);
            this.owed = new long[n];
            this.completed = new long[n];
            this.ackCounts = new int[maxMode ? n * window : 0];
            this.expectSeq = new long[n * n];
            this.closed = new boolean[n];
            this.member = new boolean[n];
            Arrays.fill(clientByPort, -1);
            int inBytes = Math.max(4 * (line + 64), Math.max(8 * 1024, Math.min(64 * 1024, 8 * 1024 * 1024 / n)));
            if (tls != null) {
                inBytes = Math.max(inBytes, 17 * 1024 + 4 * (line + 64)); // room for one whole record's plaintext
            }
            int outBytes = Math.max(16 * 1024, 2 * window * line);
            for (int i = 0; i < n; i++) {
                in[i] = ByteBuffer.allocate(inBytes);
                out[i] = ByteBuffer.allocate(outBytes);
            }
        }

        Result execute() throws IOException {
            connectAll();
            awaitMembers();
            long cpuStart = -1;
            long loadCpuStart = -1;
            long sendStart = System.nanoTime();
            long warmEnd = sendStart + c.warmup().toNanos();
            long limit = c.messagesPerSender();
            double intervalNanos = maxMode ? 0 : 1e9 / c.rate();
            long scheduled = 0;
            long nextDue = sendStart;
            while (true) {
                long now = System.nanoTime();
                if (!measuring && now >= warmEnd) {
                    measuring = true;
                    measureStart = now;
                    System.arraycopy(nextSeq, 0, warmSeq, 0, n);
                    cpuStart = ProcCpu.cpuNanos(c.serverPid());
                    loadCpuStart = ProcCpu.cpuNanos(ProcessHandle.current().pid());
                }
                if (measuring && sendingDone(now, limit)) {
                    break;
                }
                if (!maxMode) {
                    while (nextDue <= now) {
                        owed[(int) (scheduled % n)]++;
                        scheduled++;
                        nextDue = sendStart + (long) (scheduled * intervalNanos);
                    }
                }
                for (int i = 0; i < n; i++) {
                    fill(i, now, limit);
                }
                long timeoutMillis = maxMode ? 10 : Math.max(1, (nextDue - System.nanoTime()) / 1_000_000);
                select(timeoutMillis);
            }
            long sendEnd = System.nanoTime();
            long arrivedWhileSending = arrived;
            long behind = 0;
            for (int i = 0; i < n; i++) {
                behind += owed[i];
            }
            long sent = 0;
            for (int i = 0; i < n; i++) {
                // What is still in our buffer never reached the server: not sent.
                sent += nextSeq[i] - warmSeq[i] - out[i].position() / line;
            }
            long expected = sent * (n - 1);
            drain(expected);
            long cpuEnd = ProcCpu.cpuNanos(c.serverPid());
            long loadCpuEnd = ProcCpu.cpuNanos(ProcessHandle.current().pid());
            double seconds = Math.max(1, sendEnd - measureStart) / 1e9;
            if (unknown > 0) {
                System.err.println("warning: " + unknown + " lines not understood");
            }
            return new Result(c, window, sent, expected, delivered, Math.max(0, expected - delivered), dup,
                    closedCount, errors, behind, seconds, arrivedWhileSending / seconds,
                    micros(latency.getValueAtPercentile(50)), micros(latency.getValueAtPercentile(99)),
                    micros(latency.getValueAtPercentile(99.9)), micros(latency.getMaxValue()),
                    cpuStart < 0 || cpuEnd < 0 ? -1 : cpuEnd - cpuStart,
                    loadCpuStart < 0 || loadCpuEnd < 0 ? -1 : loadCpuEnd - loadCpuStart, negotiated);
        }

        private static double micros(long nanos) {
            return nanos / 1000.0;
        }

        private boolean sendingDone(long now, long limit) {
            if (limit <= 0) {
                return now - measureStart >= c.duration().toNanos();
            }
            for (int i = 0; i < n; i++) {
                if (!closed[i] && nextSeq[i] - warmSeq[i] < limit) {
                    return false;
                }
            }
            return true;
        }

        private void connectAll() throws IOException {
            for (int i = 0; i < n; i++) {
                SocketChannel ch = SocketChannel.open();
                channels[i] = ch;
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.connect(c.server());
                if (tls != null) {
                    tls[i] = TlsClientChannel.handshake(ch, c.tls(), c.cipherSuite());
                    negotiated = tls[i].negotiated();
                }
                ch.configureBlocking(false);
                keys[i] = ch.register(selector, SelectionKey.OP_READ, i);
                clientByPort[((InetSocketAddress) ch.getLocalAddress()).getPort()] = i;
                if (i % 64 == 63) {
                    selector.selectNow(onKey); // read join notices as we go, so no socket buffer fills up
                }
            }
        }

        private void awaitMembers() throws IOException {
            long deadline = System.nanoTime() + c.joinTimeout().toNanos();
            while (members < n) {
                if (System.nanoTime() > deadline) {
                    System.err.println("warning: only " + members + " of " + n + " clients confirmed in the room after "
                            + c.joinTimeout() + "; sending anyway");
                    return;
                }
                select(10);
            }
        }

        /** Waits for the selector, unless a TLS client has records in hand: then it serves those first. */
        private void select(long timeoutMillis) throws IOException {
            if (revisits == 0) {
                selector.select(onKey, timeoutMillis);
                return;
            }
            revisits = 0;
            for (int i = 0; i < n; i++) {
                if (revisit[i]) {
                    revisit[i] = false;
                    read(i);
                }
            }
            selector.selectNow(onKey);
        }

        private void drain(long expected) throws IOException {
            long lastProgress = System.nanoTime();
            long seen = delivered;
            long timeout = c.drainTimeout().toNanos();
            long hardStop = lastProgress + 10 * timeout; // progress that never ends must end too
            while (delivered < expected && System.nanoTime() - lastProgress < timeout
                    && System.nanoTime() < hardStop) {
                select(10);
                if (delivered != seen) {
                    seen = delivered;
                    lastProgress = System.nanoTime();
                }
            }
        }

        /** Appends what sender {@code i} may send now and hands it to the socket. */
        private void fill(int i, long now, long limit) {
            if (closed[i]) {
                return;
            }
            long want = maxMode ? window - (nextSeq[i] - completed[i]) : owed[i];
            if (limit > 0 && measuring) {
                want = Math.min(want, warmSeq[i] + limit - nextSeq[i]);
            }
            ByteBuffer o = out[i];
            int k = (int) Math.min(want, o.remaining() / line);
            if (k <= 0) {
                return;
            }
            byte[] a = o.array();
            int pos = o.position();
            long t = now - epoch;
            for (int j = 0; j < k; j++) {
                encode(a, pos, i, nextSeq[i]++, t);
                pos += line;
            }
            o.position(pos);
            if (!maxMode) {
                owed[i] -= k;
            }
            writeOut(i);
        }

        private void encode(byte[] a, int off, int sender, long seq, long sendNanos) {
            a[off] = 'L';
            digits(a, off + 1, 6, sender);
            a[off + 7] = ' ';
            digits(a, off + 8, 10, seq);
            a[off + 18] = ' ';
            digits(a, off + 19, 19, sendNanos);
            a[off + 38] = ' ';
            Arrays.fill(a, off + 39, off + line - 1, (byte) 'x');
            a[off + line - 1] = '\n';
        }

        private static void digits(byte[] a, int off, int width, long v) {
            for (int i = off + width - 1; i >= off; i--) {
                a[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
        }

        private static long parseDigits(byte[] a, int off, int width) {
            long v = 0;
            for (int i = off; i < off + width; i++) {
                int d = a[i] - '0';
                if (d < 0 || d > 9) {
                    return -1;
                }
                v = v * 10 + d;
            }
            return v;
        }

        private void writeOut(int i) {
            ByteBuffer o = out[i];
            o.flip();
            try {
                if (tls == null) {
                    channels[i].write(o);
                } else {
                    tls[i].write(o);
                }
            } catch (IOException e) {
                o.compact();
                closeClient(i, e);
                return;
            }
            o.compact();
            boolean pending = o.position() > 0 || (tls != null && tls[i].hasPendingOutput());
            int ops = pending ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (keys[i].interestOps() != ops) {
                keys[i].interestOps(ops);
            }
        }

        private void onKey(SelectionKey key) {
            int i = (Integer) key.attachment();
            if (key.isValid() && key.isReadable()) {
                read(i);
            }
            if (key.isValid() && key.isWritable()) {
                writeOut(i);
            }
        }

        private void read(int r) {
            ByteBuffer b = in[r];
            for (int reads = 0; reads < 8; reads++) {
                int got;
                try {
                    got = tls == null ? channels[r].read(b) : tls[r].read(b);
                } catch (IOException e) {
                    closeClient(r, e);
                    return;
                }
                if (got < 0) {
                    closeClient(r, null);
                    return;
                }
                if (got == 0) {
                    return;
                }
                parseLines(r, System.nanoTime());
            }
            if (tls != null && tls[r].hasBufferedInput() && !revisit[r]) {
                revisit[r] = true; // the socket may be empty, so the selector would not come back for these
                revisits++;
            }
        }

        private void parseLines(int r, long now) {
            ByteBuffer b = in[r];
            byte[] a = b.array();
            int end = b.position();
            int start = 0;
            for (int k = 0; k < end; k++) {
                if (a[k] == '\n') {
                    handleLine(r, a, start, k, now);
                    start = k + 1;
                }
            }
            if (start > 0) {
                System.arraycopy(a, start, a, 0, end - start);
                b.position(end - start);
            } else if (end == a.length) {
                unknown++; // a line longer than our buffer: not one of ours
                b.clear();
            }
        }

        private void handleLine(int r, byte[] a, int s, int e, long now) {
            if (e > s && a[e - 1] == '\r') {
                e--;
            }
            if (e == s) {
                unknown++;
                return;
            }
            switch (a[s]) {
                case '[' -> {
                    int p = s + 1;
                    while (p < e && a[p] != ']') {
                        p++;
                    }
                    p += 2; // "] "
                    if (p + line - 1 != e || a[p] != 'L') {
                        unknown++;
                        return;
                    }
                    long sender = parseDigits(a, p + 1, 6);
                    long seq = parseDigits(a, p + 8, 10);
                    long sendNanos = parseDigits(a, p + 19, 19);
                    if (sender < 0 || sender >= n || seq < 0 || sendNanos < 0) {
                        unknown++;
                        return;
                    }
                    onDelivery(r, (int) sender, seq, now - epoch - sendNanos);
                }
                case '*' -> onNotice(r, a, s, e);
                case '!' -> {
                    if (errors++ == 0) {
                        System.err.println("server said to client " + r + ": " + new String(a, s, e - s,
                                StandardCharsets.UTF_8));
                    }
                }
                default -> unknown++;
            }
        }

        private void onDelivery(int r, int sender, long seq, long latencyNanos) {
            int idx = r * n + sender;
            if (seq < expectSeq[idx]) {
                dup++;
                return;
            }
            // A gap (seq > expected) is a loss; it shows as expected - delivered at the end.
            expectSeq[idx] = seq + 1;
            if (maxMode) {
                acknowledge(sender, seq);
            }
            if (measuring) {
                arrived++;
            }
            if (seq >= warmSeq[sender]) {
                delivered++;
                latency.recordValue(Math.max(0, Math.min(latencyNanos, MAX_LATENCY_NANOS)));
            }
        }

        /** Counts one receiver for (sender, seq); moves the sender's window past messages all N-1 have. */
        private void acknowledge(int sender, long seq) {
            int base = sender * window;
            if (seq < completed[sender] || ++ackCounts[base + (int) (seq % window)] < n - 1) {
                return;
            }
            while (completed[sender] < nextSeq[sender]) {
                int slot = base + (int) (completed[sender] % window);
                if (ackCounts[slot] < n - 1) {
                    return;
                }
                ackCounts[slot] = 0;
                completed[sender]++;
            }
        }

        /** {@code * ip:port joined}: both the receiver and the joiner are members now. */
        private void onNotice(int r, byte[] a, int s, int e) {
            int len = JOINED.length;
            if (e - s < len || !Arrays.equals(a, e - len, e, JOINED, 0, len)) {
                return;
            }
            markMember(r);
            int colon = e - len - 1;
            while (colon > s && a[colon] != ':') {
                colon--;
            }
            long port = parseDigits(a, colon + 1, e - len - colon - 1);
            if (port >= 0 && port < 65536 && clientByPort[(int) port] >= 0) {
                markMember(clientByPort[(int) port]);
            }
        }

        private void markMember(int i) {
            if (!member[i]) {
                member[i] = true;
                members++;
            }
        }

        private void closeClient(int i, IOException cause) {
            if (closed[i]) {
                return;
            }
            closed[i] = true;
            closedCount++;
            if (closedCount == 1) {
                System.err.println("client " + i + " closed by the server" + (cause == null ? "" : ": " + cause));
            }
            keys[i].cancel();
            try {
                channels[i].close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        @Override
        public void close() throws IOException {
            for (int i = 0; i < n; i++) {
                if (tls != null && tls[i] != null) {
                    tls[i].close(); // close_notify first: the server must not take this for a truncation
                } else if (channels[i] != null) {
                    channels[i].close();
                }
            }
            selector.close();
        }
    }
}
