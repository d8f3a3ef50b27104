package io.loopwire.examples;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link PrintStream} for the loop thread: complete lines are queued (bounded) and written to the real stdout by a
 * thread of their own, so a terminal or pipe that stops reading ({@code monitor | less}, paused) never blocks the
 * reactor. When the queue is full, lines are dropped and counted, and the count is printed once there is room again.
 */
final class AsyncConsole extends OutputStream {
    private static final int MAX_LINES = 10_000;

    private final PrintStream target;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(MAX_LINES);
    private final StringBuilder line = new StringBuilder();
    private final byte[] pending = new byte[8192];
    private final Thread writer;
    private int pendingBytes;
    private long dropped; // guarded by this
    private volatile boolean closing;

    private AsyncConsole(PrintStream target) {
        this.target = target;
        this.writer = new Thread(this::writeLines, "console-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** A print stream over a new async console writing to {@code target}. */
    static PrintStream over(PrintStream target) {
        return new PrintStream(new AsyncConsole(target), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n' || pendingBytes == pending.length) {
            line.append(new String(pending, 0, pendingBytes, StandardCharsets.UTF_8));
            pendingBytes = 0;
            if (b == '\n') {
                enqueue(line.toString());
                line.setLength(0);
                return;
            }
        }
        pending[pendingBytes++] = (byte) b;
    }

    private void enqueue(String text) {
        if (dropped > 0 && lines.offer("(" + dropped + " lines dropped: the console was not reading)")) {
            dropped = 0;
        }
        if (!lines.offer(text)) {
            dropped++;
        }
    }

    private void writeLines() {
        try {
            while (!closing || !lines.isEmpty()) {
                String next = lines.poll(100, TimeUnit.MILLISECONDS);
                if (next != null) {
                    target.println(next);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (dropped > 0) {
                target.println("(" + dropped + " lines dropped: the console was not reading)");
                dropped = 0;
            }
        }
        target.flush();
    }

    /** Writes what is queued (waiting at most 2 s for a stalled console), then stops the writer thread. */
    @Override
    public void close() throws java.io.IOException {
        closing = true;
        try {
            writer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
