package io.loopwire.tcp;

import java.nio.ByteBuffer;

/**
 * The messages queued for one connection, in order: for each, the buffer and the range of it still to send, and
 * whether the bytes are only valid until the end of the loop turn. A power-of-two ring of parallel arrays.
 *
 * <p>Memory: a connection that never sends holds no slots; one that sends owns {@value #OWN_SLOTS} slots; a burst
 * borrows bigger slot arrays from the group's {@link SlotPool} and keeps them while it stays busy (a busy connection
 * would otherwise regrow them every turn), returning them at the first {@link #trim()} after a quiet period, so bursts
 * neither allocate in steady state nor pin memory on idle connections.
 *
 * @implNote Reactor thread only.
 */
final class OutboundQueue {
    /** What a queued message costs besides its bytes, so the outbound limit also bounds the bookkeeping. */
    static final int ENTRY_OVERHEAD_BYTES = 32;
    static final int OWN_SLOTS = 16;
    /**
     * The smallest private copy: the transient lines a connection is given while its socket is full are appended to
     * one copy until it is full, so each run of short lines costs one entry (and one allocation), not one per line.
     */
    static final int COPY_BYTES = 4096;

    private final SlotPool pool;
    private Slots own;
    private Slots slots;
    private int head;
    private int count;
    private long bytes;
    /** Whether messages were added since the last {@link #trim()}. */
    private boolean busy;
    /** The last private copy made; more copies go after its end while it is the tail entry and has room. */
    private ByteBuffer lastCopy;

    OutboundQueue(SlotPool pool) {
        this.pool = pool;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Queued bytes plus {@link #ENTRY_OVERHEAD_BYTES} per message. */
    long bytes() {
        return bytes;
    }

    /** Queues {@code message}'s remaining bytes (by reference). */
    void add(ByteBuffer message, boolean transientBytes) {
        busy = true;
        if (slots == null) {
            if (own == null) {
                own = new Slots(OWN_SLOTS);
            }
            slots = own;
        } else if (count == slots.capacity()) {
            grow();
        }
        int slot = (head + count) & slots.mask;
        slots.buffers[slot] = message;
        slots.starts[slot] = message.position();
        slots.ends[slot] = message.limit();
        slots.transients[slot] = transientBytes;
        count++;
        bytes += message.remaining() + ENTRY_OVERHEAD_BYTES;
    }

    /**
     * Queues a private copy of {@code message}'s remaining bytes (its position and limit are left as they are): after
     * the tail entry's bytes if that entry is a copy with room, in a new copy of at least {@value #COPY_BYTES} bytes
     * otherwise. The outbound limit then counts what is queued, not a per-line overhead that would make many short
     * lines weigh twice their bytes.
     */
    void addCopy(ByteBuffer message) {
        int length = message.remaining();
        if (count > 0 && lastCopy != null) {
            int tail = (head + count - 1) & slots.mask;
            int end = slots.ends[tail];
            if (slots.buffers[tail] == lastCopy && lastCopy.capacity() - end >= length) {
                lastCopy.limit(end + length).put(end, message, message.position(), length); // gather sets the range
                slots.ends[tail] = end + length;
                bytes += length;
                busy = true;
                return;
            }
        }
        ByteBuffer copy = newCopy(length);
        copy.put(0, message, message.position(), length).limit(length);
        add(copy, false);
        slots.pooled[(head + count - 1) & slots.mask] = copy.capacity() == COPY_BYTES;
        lastCopy = copy;
    }

    /** A buffer for a private copy of {@code length} bytes: one of the group's pooled ones when it fits. */
    private ByteBuffer newCopy(int length) {
        return length <= COPY_BYTES ? pool.takeCopy() : ByteBuffer.allocate(length);
    }

    private void grow() {
        Slots bigger = pool.take(slots.capacity() * 2);
        for (int i = 0; i < count; i++) {
            int from = (head + i) & slots.mask;
            bigger.buffers[i] = slots.buffers[from];
            bigger.starts[i] = slots.starts[from];
            bigger.ends[i] = slots.ends[from];
            bigger.transients[i] = slots.transients[from];
            bigger.pooled[i] = slots.pooled[from];
        }
        releaseLive(slots);
        slots = bigger;
        head = 0;
    }

    /** Drops the references of the live entries (the others are null already) and returns borrowed storage. */
    private void releaseLive(Slots old) {
        for (int i = 0; i < count; i++) {
            int slot = (head + i) & old.mask;
            old.buffers[slot] = null;
            old.pooled[slot] = false;
        }
        if (old != own) {
            pool.give(old);
        }
    }

    /** Returns borrowed storage if the queue is empty and was not used since the last call (called periodically). */
    void trim() {
        if (count == 0 && slots != null && slots != own && !busy) {
            pool.give(slots);
            slots = own;
            head = 0;
        }
        busy = false;
    }

    /**
     * Fills {@code batch} with the queued buffers, each set to its range, for one gathering write; returns how many.
     * A buffer object queued twice holds only the range set last, while the kernel takes each element's range as it
     * is when the write starts: the batch stops before the first entry whose range was overwritten that way.
     * Linear, and allocation-free (no identity set).
     */
    int gather(ByteBuffer[] batch) {
        int n = Math.min(count, batch.length);
        for (int i = 0; i < n; i++) {
            int slot = (head + i) & slots.mask;
            batch[i] = slots.buffers[slot].limit(slots.ends[slot]).position(slots.starts[slot]);
        }
        for (int i = 0; i < n; i++) {
            int slot = (head + i) & slots.mask;
            ByteBuffer b = batch[i];
            if (b.position() != slots.starts[slot] || b.limit() != slots.ends[slot]) {
                if (i == 0) {
                    b.limit(slots.ends[slot]).position(slots.starts[slot]);
                    return 1;
                }
                return i;
            }
        }
        return n;
    }

    /** Drops {@code written} bytes from the head, as the socket took them. */
    void consume(long written) {
        while (written > 0) {
            int slot = head;
            int length = slots.ends[slot] - slots.starts[slot];
            if (written >= length) {
                written -= length;
                bytes -= length + ENTRY_OVERHEAD_BYTES;
                if (slots.pooled[slot]) {
                    giveBack(slots.buffers[slot]);
                    slots.pooled[slot] = false;
                }
                slots.buffers[slot] = null;
                head = (head + 1) & slots.mask;
                count--;
            } else {
                slots.starts[slot] += (int) written;
                bytes -= written;
                written = 0;
            }
        }
    }

    /**
     * Copies what is left of buffers that are only valid this turn (the socket did not take everything). Runs of
     * consecutive such entries become one copy, one entry: fewer buffers for the next gathering write, and one
     * temporary direct buffer instead of many inside the JDK.
     */
    void keepTransientBytes() {
        int i = 0;
        int kept = 0;
        while (i < count) {
            int slot = (head + i) & slots.mask;
            if (!slots.transients[slot]) {
                moveEntry(slot, (head + kept++) & slots.mask);
                i++;
                continue;
            }
            int runEnd = i;
            int runBytes = 0;
            while (runEnd < count && slots.transients[(head + runEnd) & slots.mask]) {
                int s = (head + runEnd) & slots.mask;
                runBytes += slots.ends[s] - slots.starts[s];
                runEnd++;
            }
            ByteBuffer copy = newCopy(runBytes).clear();
            for (int j = i; j < runEnd; j++) {
                int s = (head + j) & slots.mask;
                copy.put(slots.buffers[s].limit(slots.ends[s]).position(slots.starts[s]));
                slots.buffers[s] = null;
            }
            lastCopy = copy; // what the socket cannot take next is appended here while it is the tail
            bytes -= (long) (runEnd - i - 1) * ENTRY_OVERHEAD_BYTES; // the run is one entry now
            int target = (head + kept++) & slots.mask;
            slots.buffers[target] = copy.flip();
            slots.starts[target] = 0;
            slots.ends[target] = runBytes;
            slots.transients[target] = false;
            slots.pooled[target] = copy.capacity() == COPY_BYTES;
            i = runEnd;
        }
        for (int j = kept; j < count; j++) {
            slots.buffers[(head + j) & slots.mask] = null;
            slots.pooled[(head + j) & slots.mask] = false;
        }
        count = kept;
    }

    private void moveEntry(int from, int to) {
        if (from != to) {
            slots.buffers[to] = slots.buffers[from];
            slots.starts[to] = slots.starts[from];
            slots.ends[to] = slots.ends[from];
            slots.transients[to] = slots.transients[from];
            slots.pooled[to] = slots.pooled[from];
            slots.buffers[from] = null;
            slots.pooled[from] = false;
        }
    }

    private void giveBack(ByteBuffer copy) {
        if (copy == lastCopy) {
            lastCopy = null;
        }
        pool.giveCopy(copy);
    }

    /** Forgets everything queued (the connection closed). */
    void clear() {
        if (slots != null) {
            releaseLive(slots);
        }
        slots = null;
        own = null;
        lastCopy = null;
        head = 0;
        count = 0;
        bytes = 0;
    }

    /** One ring's storage. */
    static final class Slots {
        final ByteBuffer[] buffers;
        final int[] starts;
        final int[] ends;
        final boolean[] transients;
        /** Whether the entry's buffer is a private copy borrowed from the pool, given back once sent. */
        final boolean[] pooled;
        final int mask;

        Slots(int capacity) {
            buffers = new ByteBuffer[capacity];
            starts = new int[capacity];
            ends = new int[capacity];
            transients = new boolean[capacity];
            pooled = new boolean[capacity];
            mask = capacity - 1;
        }

        int capacity() {
            return buffers.length;
        }
    }
}
