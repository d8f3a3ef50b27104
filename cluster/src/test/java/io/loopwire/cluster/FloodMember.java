package io.loopwire.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP member for memory tests: it can send one long line over and over from a thread, and it counts the lines it
 * receives without keeping the long ones (it keeps lines under {@link #KEPT_BYTES} bytes), so the test's own heap
 * stays flat.
 */
final class FloodMember implements AutoCloseable {
    static final int KEPT_BYTES = 1024;

    private final Socket socket;
    private final OutputStream out;
    private final Thread reader;
    private final AtomicLong linesReceived = new AtomicLong();
    private final List<String> shortLines = new ArrayList<>();
    private volatile Thread flooder;
    private volatile boolean flooding;

    FloodMember(String name, InetSocketAddress server) throws IOException {
        socket = new Socket();
        socket.connect(server, 5000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        reader = new Thread(this::read, "flood-member-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    int localPort() {
        return socket.getLocalPort();
    }

    long linesReceived() {
        return linesReceived.get();
    }

    synchronized List<String> shortLines() {
        return new ArrayList<>(shortLines);
    }

    synchronized void send(String text) throws IOException {
        out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Sends {@code line} (which ends in a newline) again and again from a thread until {@link #stopFlood}. */
    void startFlood(byte[] line) {
        flooding = true;
        flooder = new Thread(() -> {
            try {
                while (flooding) {
                    synchronized (this) {
                        out.write(line);
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }, "flooder");
        flooder.setDaemon(true);
        flooder.start();
    }

    void stopFlood() throws InterruptedException {
        flooding = false;
        Thread t = flooder;
        if (t != null) {
            t.join(TimeUnit.SECONDS.toMillis(30)); // a write blocked on a stalled server ends when it reads again
        }
    }

    private void read() {
        byte[] buf = new byte[64 * 1024];
        byte[] line = new byte[KEPT_BYTES];
        int length = 0; // bytes of the current line seen so far
        try (InputStream in = socket.getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b == '\n') {
                        linesReceived.incrementAndGet();
                        if (length < KEPT_BYTES) {
                            synchronized (this) {
                                shortLines.add(new String(Arrays.copyOf(line, length), StandardCharsets.UTF_8));
                            }
                        }
                        length = 0;
                    } else {
                        if (length < KEPT_BYTES) {
                            line[length] = b;
                        }
                        length++;
                    }
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    boolean isOpen() {
        return reader.isAlive();
    }

    @Override
    public void close() throws Exception {
        flooding = false;
        socket.close();
        reader.join(5000);
    }
}
