package io.loopwire.tcp;

/**
 * Spare ring storage for {@link OutboundQueue}s that outgrow their own: one free list per power-of-two size up to
 * {@value #MAX_POOLED_SLOTS} slots, holding at most {@value #MAX_FREE_PER_SIZE} arrays of up to 4096 slots and
 * {@value #MAX_FREE_LARGE} of the larger ones, so the memory kept for bursts is bounded (about 5 MiB); bigger rings
 * (a queue of 32,768 messages is over 1 MiB of outbound data at 32 bytes of bookkeeping each) go to the collector.
 *
 * @implNote Reactor thread only (one pool per connection group).
 */
final class SlotPool {
    static final int MAX_FREE_PER_SIZE = 16;
    static final int MAX_FREE_LARGE = 4;
    static final int MAX_POOLED_SLOTS = 32768;

    private final OutboundQueue.Slots[][] free = new OutboundQueue.Slots[32][MAX_FREE_PER_SIZE];
    private final int[] freeCount = new int[32];

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

    /** Returns emptied storage; beyond the bound it is left to the garbage collector. */
    void give(OutboundQueue.Slots slots) {
        int size = Integer.numberOfTrailingZeros(slots.capacity());
        int limit = slots.capacity() <= 4096 ? MAX_FREE_PER_SIZE : MAX_FREE_LARGE;
        if (slots.capacity() <= MAX_POOLED_SLOTS && freeCount[size] < limit) {
            free[size][freeCount[size]++] = slots;
        }
    }
}
