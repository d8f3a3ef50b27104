package io.loopwire.testkit;

import io.loopwire.Reactor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Shared test plumbing for the reliability cases: figures (heap, RSS, percentiles), bounded waits, line clients. */
public final class Rig {
    public static final String LOOPBACK = "127.0.0.1";

    private Rig() {
    }

    /** Prints one line of figures, prefixed so CI output can be grepped: {@code [figures] <case>: ...}. */
    public static void figures(String testCase, String text) {
        System.out.println("[figures] " + testCase + ": " + text);
    }

    /** Heap used after a few (bounded) full GCs, in bytes. */
    public static long heapAfterGc() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // let reference processing settle
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** Heap used now (no GC), in bytes. */
    public static long heapNow() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** This process's resident set in KiB, from /proc/self/status ({@code -1} where there is no /proc). */
    public static long rssKiB() {
        return vmRssKiB(Path.of("/proc/self/status"));
    }

    public static long vmRssKiB(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    public static String mib(long bytes) {
        return String.format("%.1fMiB", bytes / (1024.0 * 1024.0));
    }

    public static String ms(long nanos) {
        return String.format("%.2fms", nanos / 1e6);
    }

    /** The {@code q} quantile (0..1) of {@code samples[0, n)}; sorts that range. 0 when empty. */
    public static long quantile(long[] samples, int n, double q) {
        if (n == 0) {
            return 0;
        }
        Arrays.sort(samples, 0, n);
        int index = (int) Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
        return samples[index];
    }

    /** Runs {@code task} on the reactor and returns its result (bounded by {@link Reactor#call}'s 10 s). */
    public static <T> T onLoop(Reactor reactor, Callable<T> task) {
        try {
            return reactor.call(task);
        } catch (IOException e) {
            throw new AssertionError("reactor call failed", e);
        }
    }

    /** A blocking TCP client with a read timeout, reading raw lines (bytes up to {@code '\n'}, excluded). */
    public static final class LineClient implements AutoCloseable {
        public final Socket socket;
        public final InputStream in;
        public final OutputStream out;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final byte[] buffer = new byte[8192];
        private int start;
        private int end;

        public LineClient(InetSocketAddress server) throws IOException {
            this(new Socket(), server);
        }

        public LineClient(Socket unconnected, InetSocketAddress server) throws IOException {
            this.socket = unconnected;
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            socket.connect(server, 5_000);
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        public int localPort() {
            return socket.getLocalPort();
        }

        /** This client's name as the relay prints it, {@code 127.0.0.1:<port>}. */
        public String peer() {
            return LOOPBACK + ':' + socket.getLocalPort();
        }

        public void send(String text) throws IOException {
            out.write((text + '\n').getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** The next line's bytes (without {@code '\n'}), or null at end of stream. */
        public byte[] readLineBytes() throws IOException {
            line.reset();
            while (true) {
                for (int i = start; i < end; i++) {
                    if (buffer[i] == '\n') {
                        line.write(buffer, start, i - start);
                        start = i + 1;
                        return line.toByteArray();
                    }
                }
                line.write(buffer, start, end - start);
                start = 0;
                end = in.read(buffer);
                if (end < 0) {
                    end = 0;
                    return line.size() == 0 ? null : line.toByteArray();
                }
            }
        }

        public String readLine() throws IOException {
            byte[] b = readLineBytes();
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }

        /** Reads lines until one satisfies {@code match}; fails at end of stream or after the socket timeout. */
        public String readUntil(java.util.function.Predicate<String> match) throws IOException {
            String l;
            while ((l = readLine()) != null) {
                if (match.test(l)) {
                    return l;
                }
            }
            throw new AssertionError("end of stream before the expected line");
        }

        /** Whether the server closed: end of stream (or a reset) within {@code timeout}, discarding any lines. */
        public boolean closedByServerWithin(Duration timeout) throws IOException {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            try {
                while (readLineBytes() != null) {
                    // discard
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
