package io.loopwire.tcp;

import java.nio.ByteBuffer;

/**
 * Lends the carry buffers of one group's connections (the bytes of an unfinished frame, and input left for the next
 * turn), so memory follows what each connection holds: a buffer starts at {@value #INITIAL_BYTES} bytes, grows by
 * doubling as far as needed, and goes back when it empties. Buffers of the initial size are pooled (at most
 * {@value #POOLED_MAX}), so a stream of short partial lines does not allocate; bigger ones are dropped for the GC.
 * Counts the capacity lent out, which the group holds against its carry budget.
 *
 * @implNote Reactor thread only.
 */
final class CarryBuffers {
    /** A first carry buffer: a partial chat line fits; a connection holding one byte costs this much. */
    static final int INITIAL_BYTES = 512;
    /** Initial-size buffers kept for reuse at most (256 KiB). */
    static final int POOLED_MAX = 512;

    private final ByteBuffer[] pool = new ByteBuffer[POOLED_MAX];
    private final TcpStats stats;
    private int pooled;

    CarryBuffers(TcpStats stats) {
        this.stats = stats;
    }

    /** A cleared buffer of at least {@code minBytes} (and at most {@code maxBytes}) bytes. */
    ByteBuffer take(int minBytes, int maxBytes) {
        if (minBytes <= INITIAL_BYTES && pooled > 0) {
            ByteBuffer b = pool[--pooled];
            pool[pooled] = null;
            stats.carriedBytes += b.capacity();
            return b;
        }
        int capacity = INITIAL_BYTES;
        while (capacity < minBytes && capacity < maxBytes) {
            capacity = (int) Math.min((long) capacity * 2, maxBytes);
        }
        capacity = Math.max(capacity, minBytes);
        stats.carriedBytes += capacity;
        return ByteBuffer.allocate(capacity);
    }

    /**
     * A bigger buffer holding {@code old}'s content (written, not flipped), at least {@code minBytes}, at most
     * {@code maxBytes}; {@code old} is given back.
     */
    ByteBuffer grow(ByteBuffer old, int minBytes, int maxBytes) {
        ByteBuffer bigger = take(Math.max(minBytes, old.capacity() + 1), maxBytes);
        old.flip();
        bigger.put(old);
        give(old);
        return bigger;
    }

    /** Takes {@code buffer} back (the caller drops its reference). */
    void give(ByteBuffer buffer) {
        stats.carriedBytes -= buffer.capacity();
        if (buffer.capacity() == INITIAL_BYTES && pooled < POOLED_MAX) {
            buffer.clear();
            pool[pooled++] = buffer;
        }
    }

    /** Capacity lent out now, in bytes. */
    long lentBytes() {
        return stats.carriedBytes;
    }
}
