package io.loopwire.probe;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The simplest client there is, for a yardstick: a thread that sends a text {@code ping} and blocks for its answer,
 * again and again, timing each round trip. Run beside a prober over a link of the same delay, its median tells what
 * this machine adds to a round trip right now (the wake-ups of the link's threads, the echo's loop and the client's
 * own thread), so a test can tell the prober's error from a loaded CPU's.
 *
 * @implNote Runs on its own daemon thread; {@link #medianNanos()} and {@link #close()} from any thread.
 */
final class ReferencePinger implements AutoCloseable {
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    private final DatagramSocket socket;
    private final InetSocketAddress target;
    private final long intervalNanos;
    private final Thread thread;
    /** Each round trip's time, guarded by itself. */
    private final List<Long> rtts = new ArrayList<>();
    private volatile boolean closed;

    private ReferencePinger(InetSocketAddress target, Duration interval) throws IOException {
        this.socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        this.socket.setSoTimeout(2_000);
        this.target = target;
        this.intervalNanos = interval.toNanos();
        this.thread = new Thread(this::run, "reference-pinger");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Pings {@code target} every {@code interval} until closed. */
    static ReferencePinger start(InetSocketAddress target, Duration interval) throws IOException {
        return new ReferencePinger(target, interval);
    }

    private void run() {
        byte[] buffer = new byte[64];
        DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
        while (!closed) {
            try {
                long sent = System.nanoTime();
                socket.send(new DatagramPacket(PING, PING.length, target));
                socket.receive(reply);
                long rtt = System.nanoTime() - sent;
                synchronized (rtts) {
                    rtts.add(rtt);
                }
            } catch (SocketTimeoutException lost) {
                // not on a lossless link; a later stray answer is at most one wrong sample among many
            } catch (IOException e) {
                return; // closed
            }
            LockSupport.parkNanos(intervalNanos);
        }
    }

    /** Round trips measured so far. */
    int rounds() {
        synchronized (rtts) {
            return rtts.size();
        }
    }

    /** The median round trip so far, or -1 before the first. */
    long medianNanos() {
        List<Long> sorted;
        synchronized (rtts) {
            sorted = new ArrayList<>(rtts);
        }
        if (sorted.isEmpty()) {
            return -1;
        }
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        socket.close();
        thread.join(5_000);
    }
}
