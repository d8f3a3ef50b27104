package io.loopwire.wire;

import java.nio.ByteBuffer;

/**
 * The original system's text probe: a datagram that is exactly {@code ping}, one trailing {@code "\n"} or
 * {@code "\r\n"} allowed, answered by {@code ping}.
 *
 * @implNote Stateless; safe from any thread on a buffer that thread owns. Matching allocates nothing.
 */
public final class Ping {

    private static final byte[] PING = {'p', 'i', 'n', 'g'};

    private Ping() {
    }

    /** Whether the bytes between {@code data}'s position and limit are a ping. Does not move the position. */
    public static boolean isPing(ByteBuffer data) {
        int p = data.position();
        int n = data.limit() - p;
        if (n > 0 && data.get(p + n - 1) == '\n') {
            n--;
            if (n > 0 && data.get(p + n - 1) == '\r') {
                n--;
            }
        }
        if (n != PING.length) {
            return false;
        }
        for (int i = 0; i < PING.length; i++) {
            if (data.get(p + i) != PING[i]) {
                return false;
            }
        }
        return true;
    }

    /** A new read-only buffer holding {@code ping}, to send as a probe or a reply (rewind it before each send). */
    public static ByteBuffer newBuffer() {
        return ByteBuffer.wrap(PING).asReadOnlyBuffer();
    }
}
