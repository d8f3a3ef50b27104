package io.loopwire;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Bounded waiting for tests: poll a condition until a deadline, await a latch with a timeout, read an exact number
 * of bytes with a socket timeout. Nothing here waits without a bound, and nothing sleeps to synchronise.
 */
public final class Poll {
    /** Generous default for conditions that normally hold within milliseconds (the test machine is shared). */
    public static final Duration PATIENCE = Duration.ofSeconds(10);

    private Poll() {
    }

    /** Polls {@code condition} every millisecond or so until it holds; fails with {@code what} after {@code timeout}. */
    public static void until(Duration timeout, Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** {@link #until(Duration, Callable, String)} with {@link #PATIENCE}. */
    public static void until(Callable<Boolean> condition, String what) throws Exception {
        until(PATIENCE, condition, what);
    }

    /** Polls a condition evaluated on the reactor thread (loop-owned state such as stats). */
    public static void onLoopUntil(Reactor reactor, Callable<Boolean> condition, String what) throws Exception {
        onLoopUntil(PATIENCE, reactor, condition, what);
    }

    /** {@link #onLoopUntil(Reactor, Callable, String)} with its own timeout. */
    public static void onLoopUntil(Duration timeout, Reactor reactor, Callable<Boolean> condition, String what)
            throws Exception {
        until(timeout, () -> reactor.call(condition), what);
    }

    /** Awaits {@code latch} for at most {@link #PATIENCE}; fails naming {@code what} otherwise. */
    public static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("timed out after " + PATIENCE + " waiting for: " + what + " (count "
                    + latch.getCount() + ")");
        }
    }

    /** Reads exactly {@code n} bytes (the socket's SO_TIMEOUT bounds each read); fails on early end of stream. */
    public static byte[] readExactly(Socket socket, int n) throws IOException {
        if (socket.getSoTimeout() == 0) {
            socket.setSoTimeout((int) PATIENCE.toMillis());
        }
        InputStream in = socket.getInputStream();
        byte[] data = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(data, off, n - off);
            if (r < 0) {
                throw new AssertionError("end of stream after " + off + " of " + n + " bytes");
            }
            off += r;
        }
        return data;
    }

    /** Reads until end of stream (bounded by SO_TIMEOUT per read); returns the byte count, or -1 on a timeout. */
    public static long drainToEnd(Socket socket) throws IOException {
        if (socket.getSoTimeout() == 0) {
            socket.setSoTimeout((int) PATIENCE.toMillis());
        }
        byte[] scratch = new byte[64 * 1024];
        long total = 0;
        try {
            int r;
            while ((r = socket.getInputStream().read(scratch)) >= 0) {
                total += r;
            }
        } catch (SocketTimeoutException e) {
            return -1;
        }
        return total;
    }

    /** The byte at {@code index} of a deterministic pseudo-random stream, to verify large transfers byte by byte. */
    public static byte patternByte(long index) {
        long x = index * 0x9E3779B97F4A7C15L;
        return (byte) (x >>> 56 ^ x >>> 29);
    }
}
