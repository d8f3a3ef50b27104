package io.loopwire.relay;

import java.net.InetSocketAddress;

/**
 * Per-source budgets (datagrams/s and bytes/s) in a fixed table of token buckets indexed by a hash of the source
 * address: memory stays bounded however many addresses a spoofer invents, at the price that sources colliding in a
 * slot share a budget (with {@value #SLOTS} slots, rarely a real peer's problem). Refill is lazy, per use.
 *
 * @implNote Reactor thread only; allocates nothing per datagram.
 */
final class SourceLimiter {
    static final int SLOTS = 8192;

    private final double datagramsPerNano;
    private final double bytesPerNano;
    private final double datagramBurst;
    private final double byteBurst;
    private final double[] datagrams = new double[SLOTS];
    private final double[] bytes = new double[SLOTS];
    private final long[] lastNanos = new long[SLOTS];
    private final boolean[] used = new boolean[SLOTS];

    /** Rates per second; bursts are two seconds' worth (a client's start-up burst passes). */
    SourceLimiter(long datagramsPerSecond, long bytesPerSecond) {
        this.datagramsPerNano = datagramsPerSecond / 1e9;
        this.bytesPerNano = bytesPerSecond / 1e9;
        this.datagramBurst = 2.0 * datagramsPerSecond;
        this.byteBurst = 2.0 * bytesPerSecond;
    }

    /** Takes one datagram of {@code length} bytes from {@code source}'s budget; false if it is spent. */
    boolean allow(InetSocketAddress source, int length, long nowNanos) {
        int slot = slot(source);
        if (!used[slot]) {
            used[slot] = true;
            datagrams[slot] = datagramBurst;
            bytes[slot] = byteBurst;
            lastNanos[slot] = nowNanos;
        }
        long elapsed = nowNanos - lastNanos[slot];
        if (elapsed > 0) {
            lastNanos[slot] = nowNanos;
            datagrams[slot] = Math.min(datagramBurst, datagrams[slot] + elapsed * datagramsPerNano);
            bytes[slot] = Math.min(byteBurst, bytes[slot] + elapsed * bytesPerNano);
        }
        if (datagrams[slot] < 1 || bytes[slot] < length) {
            return false;
        }
        datagrams[slot] -= 1;
        bytes[slot] -= length;
        return true;
    }

    private static int slot(InetSocketAddress source) {
        // InetSocketAddress.hashCode is address hash + port: spread it (Fibonacci hashing) before masking.
        return (source.hashCode() * 0x9E3779B9) >>> (32 - Integer.numberOfTrailingZeros(SLOTS));
    }
}
