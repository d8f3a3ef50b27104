package io.loopwire.relay;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded queue between exactly two threads: one offers, the other polls. Fixed slots, so offering and polling
 * allocate nothing.
 *
 * @implNote {@link #offer} on the producer thread only, {@link #poll} on the consumer thread only; {@link #isEmpty}
 *     and {@link #size} on either (a snapshot).
 */
final class SpscRing<T> {
    private final AtomicReferenceArray<T> slots;
    private final int mask;
    /** The next slot to poll; written by the consumer. */
    private final AtomicLong head = new AtomicLong();
    /** The next slot to fill; written by the producer (a full volatile write: it publishes the slot). */
    private final AtomicLong tail = new AtomicLong();

    /** At least {@code capacity} slots (rounded up to a power of two). */
    SpscRing(int capacity) {
        int slotCount = Integer.highestOneBit(Math.max(2, capacity) - 1) << 1;
        slots = new AtomicReferenceArray<>(slotCount);
        mask = slotCount - 1;
    }

    /** Adds {@code item} at the tail; false if the ring is full. */
    boolean offer(T item) {
        long t = tail.get();
        if (t - head.get() == slots.length()) {
            return false;
        }
        slots.lazySet((int) t & mask, item);
        tail.set(t + 1);
        return true;
    }

    /** The head item, removed; null if empty. */
    T poll() {
        long h = head.get();
        if (h == tail.get()) {
            return null;
        }
        int slot = (int) h & mask;
        T item = slots.get(slot);
        slots.lazySet(slot, null);
        head.set(h + 1);
        return item;
    }

    boolean isEmpty() {
        return head.get() == tail.get();
    }

    int size() {
        return (int) (tail.get() - head.get());
    }

    int capacity() {
        return slots.length();
    }
}
