package io.loopwire.relay;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * Per-source budgets (datagrams/s and bytes/s) for senders that are not members, in a fixed table of token buckets
 * indexed by a <em>keyed</em> hash of the source address: memory stays bounded however many addresses a spoofer
 * invents, and sources colliding in a slot share a budget. The key is drawn per instance (so per process and per
 * loop) from {@link SecureRandom}: nobody outside can compute which slot an address lands in, so a stranger cannot
 * pick a source port that shares a chosen address's slot. (Members never use this table: each has its own bucket.)
 * Refill is lazy, per use.
 *
 * @implNote Reactor thread only; allocates nothing per datagram for IPv4 sources (for IPv6, the address bytes are
 *     copied once per change of sender; a repeated sender hits a one-entry cache).
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
    private final long key0;
    private final long key1;
    /** The last source hashed (the channel hands back the same object for a repeated sender) and its slot. */
    private InetSocketAddress lastSource;
    private int lastSlot;
    /** SipHash state. */
    private long v0;
    private long v1;
    private long v2;
    private long v3;

    /** Rates per second; bursts are two seconds' worth (a client's start-up burst passes). */
    SourceLimiter(long datagramsPerSecond, long bytesPerSecond) {
        this.datagramsPerNano = datagramsPerSecond / 1e9;
        this.bytesPerNano = bytesPerSecond / 1e9;
        this.datagramBurst = 2.0 * datagramsPerSecond;
        this.byteBurst = 2.0 * bytesPerSecond;
        SecureRandom random = new SecureRandom();
        this.key0 = random.nextLong();
        this.key1 = random.nextLong();
    }

    /** Takes one datagram of {@code length} bytes from {@code source}'s budget; false if it is spent. */
    boolean allow(InetSocketAddress source, int length, long nowNanos) {
        int slot = slotOf(source);
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

    /** The slot {@code source} shares with the sources that collide with it (package-private for tests). */
    int slotOf(InetSocketAddress source) {
        if (source == lastSource) {
            return lastSlot;
        }
        InetAddress ip = source.getAddress();
        long hi;
        long lo;
        long tail = source.getPort();
        if (ip instanceof Inet4Address) {
            hi = ip.hashCode() & 0xFFFF_FFFFL; // Inet4Address.hashCode is the address itself
            lo = 0;
            tail |= 4L << 32;
        } else {
            ByteBuffer b = ByteBuffer.wrap(ip.getAddress());
            hi = b.getLong();
            lo = b.getLong();
            tail |= 6L << 32;
        }
        int slot = (int) (sipHash(hi, lo, tail) >>> (64 - Integer.numberOfTrailingZeros(SLOTS)));
        lastSource = source;
        lastSlot = slot;
        return slot;
    }

    /**
     * SipHash-2-4 (Aumasson and Bernstein) of exactly three 64-bit words, written from the paper's description: a keyed
     * function whose output nobody can predict without the key. The state lives in fields (reactor thread only) so
     * that nothing is allocated, whatever the JIT does.
     */
    private long sipHash(long m0, long m1, long m2) {
        v0 = key0 ^ 0x736f6d6570736575L;
        v1 = key1 ^ 0x646f72616e646f6dL;
        v2 = key0 ^ 0x6c7967656e657261L;
        v3 = key1 ^ 0x7465646279746573L;
        absorb(m0);
        absorb(m1);
        absorb(m2);
        absorb(24L << 56); // the final block: the message length (24 bytes) in the top byte
        v2 ^= 0xff;
        for (int i = 0; i < 4; i++) {
            sipRound();
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private void absorb(long m) {
        v3 ^= m;
        sipRound();
        sipRound();
        v0 ^= m;
    }

    private void sipRound() {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
    }
}
