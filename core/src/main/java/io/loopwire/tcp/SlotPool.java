package io.loopwire.tcp;

import java.nio.ByteBuffer;

/**
 * Spare ring storage for {@link OutboundQueue}s that outgrow their own: one free list per power-of-two size up to
 * {@value #MAX_POOLED_SLOTS} slots, holding at most {@value #MAX_FREE_PER_SIZE} arrays of up to 4096 slots and
 * {@value #MAX_FREE_LARGE} of the larger ones, so the memory kept for bursts is bounded (about 5 MiB); bigger rings
 * (a queue of 32,768 messages is over 1 MiB of outbound data at 32 bytes of bookkeeping each) go to the collector.
 * It also keeps up to {@value #MAX_FREE_COPIES} of the {@value OutboundQueue#COPY_BYTES}-byte private copies that
 * connections behind their socket fill with short lines, so a fan-out to readers that lag does not allocate 4 KiB
 * per 64 lines in steady state.
 *
 * @implNote Reactor thread only (one pool per connection group).
 */
final class SlotPool {
    static final int MAX_FREE_PER_SIZE = 16;
    static final int MAX_FREE_LARGE = 4;
    static final int MAX_POOLED_SLOTS = 32768;
    /** Private copies kept for reuse at most (1 MiB): a flood of slow readers beyond it allocates, as before. */
    static final int MAX_FREE_COPIES = 256;

    private final OutboundQueue.Slots[][] free = new OutboundQueue.Slots[32][MAX_FREE_PER_SIZE];
    private final int[] freeCount = new int[32];
    private final ByteBuffer[] freeCopies = new ByteBuffer[MAX_FREE_COPIES];
    private int freeCopyCount;

    /** Storage with exactly {@code capacity} slots (a power of two). */
    OutboundQueue.Slots take(int capacity) {
        int size = Integer.numberOfTrailingZeros(capacity);
        if (freeCount[size] > 0) {
            OutboundQueue.Slots slots = free[size][--freeCount[size]];
            free[size][freeCount[size]] = null;
            return slots;
        }
        return new OutboundQueue.Slots(capacity);
    }

    /** A {@value OutboundQueue#COPY_BYTES}-byte buffer for a private copy of short lines, cleared. */
    ByteBuffer takeCopy() {
        if (freeCopyCount > 0) {
            ByteBuffer copy = freeCopies[--freeCopyCount];
            freeCopies[freeCopyCount] = null;
            return copy.clear();
        }
        return ByteBuffer.allocate(OutboundQueue.COPY_BYTES);
    }

    /** Returns a copy whose bytes were all sent; beyond the bound it is left to the garbage collector. */
    void giveCopy(ByteBuffer copy) {
        if (freeCopyCount < MAX_FREE_COPIES) {
            freeCopies[freeCopyCount++] = copy;
        }
    }

    /** Returns emptied storage; beyond the bound it is left to the garbage collector. */
    void give(OutboundQueue.Slots slots) {
        int size = Integer.numberOfTrailingZeros(slots.capacity());
        int limit = slots.capacity() <= 4096 ? MAX_FREE_PER_SIZE : MAX_FREE_LARGE;
        if (slots.capacity() <= MAX_POOLED_SLOTS && freeCount[size] < limit) {
            free[size][freeCount[size]++] = slots;
        }
    }
}
