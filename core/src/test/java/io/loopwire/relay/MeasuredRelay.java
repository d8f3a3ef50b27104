package io.loopwire.relay;

import io.loopwire.Poll;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/** The allocation tests' traffic: a sender's lines in bursts the members absorb, and members that read everything. */
final class MeasuredRelay {
    private static final int BURST = 500;

    private MeasuredRelay() {
    }

    /**
     * Sends {@code line} {@code messages} times, in bursts the members can absorb (a flood faster than they read would
     * rightly get them disconnected as slow consumers), waiting off the loop until every member has read each burst.
     */
    static void send(OutputStream out, byte[] line, int messages, AtomicLong bytesRead, long bytesPerMessage)
            throws Exception {
        for (int sent = 0; sent < messages; sent += BURST) {
            long target = bytesRead.get() + bytesPerMessage * BURST;
            for (int i = 0; i < BURST; i++) {
                out.write(line);
            }
            out.flush();
            Poll.until(() -> bytesRead.get() >= target, "every member read the burst");
        }
    }

    /** Reads {@code socket} to its end, adding every byte read to {@code bytesRead}. */
    static void drain(Socket socket, AtomicLong bytesRead) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = socket.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                bytesRead.addAndGet(n);
            }
        } catch (Exception closed) {
            // the test closed the socket
        }
    }
}
