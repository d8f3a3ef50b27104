package io.loopwire.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Latency of one hop through the cluster next to the same hop inside one node: a sender on node A sends
 * timestamped lines at a fixed rate; a receiver on node A (same node) and one on node B (through NATS) record
 * send-to-receive time. Prints one summary line:
 * {@code cluster-latency rate=.. sent=.. near_received=.. far_received=.. near_p50_us=.. near_p99_us=..
 * far_p50_us=.. far_p99_us=..}.
 *
 * <pre>java -cp benchmarks.jar io.loopwire.bench.ClusterLatency --near-port A --far-port B [--rate 1000]
 *     [--warmup 2s] [--duration 5s]</pre>
 *
 * @implNote Blocking sockets, one thread per receiver; the clock is shared (one process), so one-way times are
 *     exact.
 */
public final class ClusterLatency {
    private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(30);

    private ClusterLatency() {
    }

    public static void main(String[] args) throws Exception {
        String usage = "usage: java -cp benchmarks.jar " + ClusterLatency.class.getName()
                + " --near-port A --far-port B [--host 127.0.0.1] [--rate 1000] [--warmup 2s] [--duration 5s]";
        Cli cli;
        int nearPort;
        int farPort;
        long rate;
        Duration warmup;
        Duration duration;
        String host;
        try {
            cli = Cli.parse(args, Set.of("host", "near-port", "far-port", "rate", "warmup", "duration"), Set.of());
            host = cli.string("host", "127.0.0.1");
            nearPort = cli.port("near-port", 0);
            farPort = cli.port("far-port", 0);
            if (nearPort == 0 || farPort == 0) {
                throw new IllegalArgumentException("--near-port and --far-port are required");
            }
            rate = cli.number("rate", 1000, 1, 1_000_000);
            warmup = cli.duration("warmup", Duration.ofSeconds(2));
            duration = cli.duration("duration", Duration.ofSeconds(5));
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, usage);
            return;
        }
        try (Socket near = connect(host, nearPort); Socket far = connect(host, farPort)) {
            Receiver nearReceiver = new Receiver(near, "near");
            Receiver farReceiver = new Receiver(far, "far");
            try (Socket sender = connect(host, nearPort)) {
                String peer = "127.0.0.1:" + sender.getLocalPort();
                nearReceiver.start(peer);
                farReceiver.start(peer);
                // The far node has heard the sender join: the path through NATS is up.
                farReceiver.awaitJoin(Duration.ofSeconds(10));
                long sent = send(sender.getOutputStream(), rate, warmup, duration, nearReceiver, farReceiver);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while ((nearReceiver.count() < sent || farReceiver.count() < sent) && System.nanoTime() < until) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
                System.out.printf("cluster-latency rate=%d sent=%d near_received=%d far_received=%d"
                                + " near_p50_us=%.1f near_p99_us=%.1f far_p50_us=%.1f far_p99_us=%.1f%n",
                        rate, sent, nearReceiver.count(), farReceiver.count(), nearReceiver.micros(50),
                        nearReceiver.micros(99), farReceiver.micros(50), farReceiver.micros(99));
            }
        }
    }

    private static Socket connect(String host, int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 5000);
        s.setTcpNoDelay(true);
        s.setSoTimeout(200);
        return s;
    }

    /** Sends {@code t<nanos>} lines at {@code rate}/s; returns how many were sent after the warm-up. */
    private static long send(OutputStream out, long rate, Duration warmup, Duration duration, Receiver... receivers)
            throws IOException {
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        long next = start;
        long measured = 0;
        for (Receiver r : receivers) {
            r.measureFrom(measureFrom); // lines stamped from then on count, on both sides
        }
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                return measured;
            }
            if (now < next) {
                LockSupport.parkNanos(Math.min(next - now, 200_000));
                continue;
            }
            // Stamped with the scheduled time, not the send time: a stall in the sender counts as latency
            // (no coordinated omission).
            out.write(("t" + next + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            if (next >= measureFrom) {
                measured++;
            }
            next += period;
        }
    }

    /** Reads relayed lines from one member socket and records the latency of the sender's lines. */
    private static final class Receiver {
        private final Socket socket;
        private final String name;
        private final Histogram histogram = new Histogram(MAX_NANOS, 3);
        private volatile long measureFrom = Long.MAX_VALUE;
        private volatile boolean joined;
        private long count;
        private Thread thread;

        Receiver(Socket socket, String name) {
            this.socket = socket;
            this.name = name;
        }

        void start(String senderPeer) {
            String prefix = "[" + senderPeer + "] t";
            String join = "* " + senderPeer + " joined";
            thread = new Thread(() -> read(prefix, join), "receiver-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        private void read(String prefix, String join) {
            try {
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII));
                while (true) {
                    String line;
                    try {
                        line = in.readLine();
                    } catch (SocketTimeoutException e) {
                        continue;
                    }
                    if (line == null) {
                        return;
                    }
                    long now = System.nanoTime();
                    if (line.equals(join)) {
                        joined = true;
                    } else if (line.startsWith(prefix)) {
                        long sentAt = Long.parseLong(line, prefix.length(), line.length(), 10);
                        if (sentAt >= measureFrom) {
                            synchronized (this) {
                                histogram.recordValue(Math.min(MAX_NANOS, Math.max(0, now - sentAt)));
                                count++;
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // socket closed at the end
            }
        }

        void awaitJoin(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!joined) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " never saw the sender join: is the cluster bridged?");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }

        void measureFrom(long nanos) {
            measureFrom = nanos;
        }

        synchronized long count() {
            return count;
        }

        synchronized double micros(double percentile) {
            return histogram.getValueAtPercentile(percentile) / 1000.0;
        }
    }
}
