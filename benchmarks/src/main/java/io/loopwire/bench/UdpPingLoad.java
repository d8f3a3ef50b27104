package io.loopwire.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * UDP echo round-trip time, one request in flight: send, wait for the matching reply (or a timeout, counted as
 * lost), repeat. {@code warmup} round trips first are not recorded. Text mode sends {@code ping} and accepts
 * {@code ping} (so a reply arriving after its timeout could be taken for the next one: keep the timeout well
 * above the RTT); probe mode sends an LWP1 packet ({@code "LWP1"}, prober id, sequence, send nanos, padding to
 * {@code size}) and accepts only the reply (reply mark set) with the same id and sequence, counting others as stale.
 *
 * @implNote Single-threaded; one reused packet buffer each way.
 */
public final class UdpPingLoad {
    private static final long MAX_RTT_NANOS = 60_000_000_000L;
    private static final byte[] PING = {'p', 'i', 'n', 'g'};

    /**
     * @param duration if not zero, stop after this long (after warm-up) even if {@code count} is not reached
     * @param probe    LWP1 binary probes instead of {@code ping}
     * @param size     probe packet size (probe mode), at least 24
     */
    public record Config(InetSocketAddress server, long count, long warmup, Duration duration, boolean probe, int size,
                         Duration timeout) {
        public Config {
            if (count < 1) {
                throw new IllegalArgumentException("count must be >= 1, got " + count);
            }
            if (size < 24 || size > 65507) {
                throw new IllegalArgumentException("size must be in [24, 65507], got " + size);
            }
        }

        public static Config of(InetSocketAddress server, long count, boolean probe) {
            return new Config(server, count, Math.min(1000, count), Duration.ZERO, probe, 32, Duration.ofSeconds(1));
        }
    }

    /** RTTs in microseconds. */
    public record Result(Config config, long received, long lost, long stale, double p50Micros, double p99Micros,
                         double p999Micros, double maxMicros, double meanMicros) {
        public String summary() {
            return String.format(Locale.ROOT, "udp-ping server=%s mode=%s size=%d count=%d lost=%d stale=%d "
                            + "p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f mean_us=%.1f",
                    Cli.hostPort(config.server()), config.probe() ? "probe" : "text",
                    config.probe() ? config.size() : PING.length, received, lost, stale,
                    p50Micros, p99Micros, p999Micros, maxMicros, meanMicros);
        }
    }

    static final String USAGE = "usage: java -cp benchmarks.jar io.loopwire.bench.UdpPingLoad [--host 127.0.0.1] "
            + "[--port 12345] [--count 20000] [--warmup 2000] [--duration D] [--probe [--size 32]] [--timeout 1s]";

    private UdpPingLoad() {
    }

    public static void main(String[] args) throws IOException {
        Config config;
        try {
            Cli cli = Cli.parse(args, Set.of("host", "port", "count", "warmup", "duration", "size", "timeout"),
                    Set.of("probe"));
            config = new Config(cli.socketAddress("host", "127.0.0.1", "port", 12345),
                    cli.number("count", 20_000, 1, Long.MAX_VALUE), cli.number("warmup", 2_000, 0, Long.MAX_VALUE),
                    cli.duration("duration", Duration.ZERO), cli.flag("probe"),
                    (int) cli.number("size", 32, 24, 65507), cli.duration("timeout", Duration.ofSeconds(1)));
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, USAGE);
            return;
        }
        System.out.println(run(config).summary());
    }

    public static Result run(Config c) throws IOException {
        Histogram rtt = new Histogram(MAX_RTT_NANOS, 3);
        int proberId = ThreadLocalRandom.current().nextInt();
        int size = c.probe() ? c.size() : PING.length;
        byte[] req = new byte[size];
        ByteBuffer reqView = ByteBuffer.wrap(req);
        byte[] rsp = new byte[65536];
        ByteBuffer rspView = ByteBuffer.wrap(rsp);
        if (c.probe()) {
            reqView.put(0, (byte) 'L').put(1, (byte) 'W').put(2, (byte) 'P').put(3, (byte) '1').putInt(4, proberId);
        } else {
            System.arraycopy(PING, 0, req, 0, PING.length);
        }
        long lost = 0;
        long stale = 0;
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(c.server());
            socket.setSoTimeout((int) Math.max(1, c.timeout().toMillis()));
            DatagramPacket out = new DatagramPacket(req, req.length);
            DatagramPacket in = new DatagramPacket(rsp, rsp.length);
            long total = c.warmup() + c.count();
            long deadline = Long.MAX_VALUE;
            for (long seq = 0; seq < total; seq++) {
                if (seq == c.warmup() && !c.duration().isZero()) {
                    deadline = System.nanoTime() + c.duration().toNanos();
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
                long sentAt = System.nanoTime();
                if (c.probe()) {
                    reqView.putLong(8, seq).putLong(16, sentAt);
                }
                socket.send(out);
                long receivedAt = -1;
                while (receivedAt < 0) {
                    try {
                        in.setData(rsp);
                        socket.receive(in);
                    } catch (SocketTimeoutException | PortUnreachableException e) {
                        break;
                    }
                    long now = System.nanoTime();
                    if (c.probe() ? in.getLength() == size && rspView.getInt(0) == reqView.getInt(0)
                            && rspView.getInt(4) == proberId && rspView.getLong(8) == (seq | Long.MIN_VALUE)
                            : in.getLength() == 4 && rspView.getInt(0) == reqView.getInt(0)) {
                        receivedAt = now;
                    } else {
                        stale++;
                    }
                }
                if (seq < c.warmup()) {
                    continue;
                }
                if (receivedAt < 0) {
                    lost++;
                } else {
                    rtt.recordValue(Math.min(receivedAt - sentAt, MAX_RTT_NANOS));
                }
            }
        }
        return new Result(c, rtt.getTotalCount(), lost, stale, rtt.getValueAtPercentile(50) / 1000.0,
                rtt.getValueAtPercentile(99) / 1000.0, rtt.getValueAtPercentile(99.9) / 1000.0,
                rtt.getMaxValue() / 1000.0, rtt.getMean() / 1000.0);
    }
}
