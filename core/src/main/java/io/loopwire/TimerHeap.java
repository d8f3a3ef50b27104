package io.loopwire;

import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * A reactor's timers: a heap ordered by deadline (monotonic {@link System#nanoTime}), then by scheduling order so
 * equal deadlines run first in, first out. Cancelled timers stay in the heap until due, or until they are many.
 *
 * @implNote Loop thread only, except {@link ScheduledTask#cancel}, which any thread may call.
 */
final class TimerHeap {
    /** Cancelled timers tolerated in the heap before it is swept (and at least half of it). */
    private static final int SWEEP_AFTER_CANCELLED = 64;

    private final PriorityQueue<ScheduledTask> heap = new PriorityQueue<>();
    private final BooleanSupplier inLoop;
    private long sequence;
    /** Timers cancelled on the loop thread and still in the heap (cancels from elsewhere are found when due). */
    private int cancelled;

    TimerHeap(BooleanSupplier inLoop) {
        this.inLoop = inLoop;
    }

    /** A timer not yet in the heap; {@link #add} it on the loop thread. */
    ScheduledTask newTimer(long deadlineNanos, long periodNanos, Runnable task) {
        return new ScheduledTask(deadlineNanos, periodNanos, task);
    }

    void add(ScheduledTask timer) {
        if (!timer.cancelled) {
            timer.sequence = sequence++;
            heap.add(timer);
        }
    }

    /** Nanos until the next deadline (zero or less: due now), or {@link Long#MAX_VALUE} with no timer. */
    long nanosToNext(long now) {
        ScheduledTask next = heap.peek();
        return next == null ? Long.MAX_VALUE : next.deadlineNanos - now;
    }

    /** Takes the next timer due at {@code now} and not cancelled, or returns null. */
    ScheduledTask pollDue(long now) {
        ScheduledTask timer;
        while ((timer = heap.peek()) != null && timer.deadlineNanos - now <= 0) {
            heap.poll();
            if (!timer.cancelled) {
                return timer;
            }
            cancelled = Math.max(0, cancelled - 1);
        }
        return null;
    }

    /** After {@code timer} ran: a periodic one goes back with its next deadline. */
    void ran(ScheduledTask timer, long now) {
        if (timer.periodNanos <= 0 || timer.cancelled) {
            return;
        }
        long next = timer.deadlineNanos + timer.periodNanos;
        if (next - now <= 0) {
            // Fell behind (a long GC or a slow task): skip the missed runs instead of bursting.
            next = now + timer.periodNanos;
        }
        timer.deadlineNanos = next;
        timer.sequence = sequence++;
        heap.add(timer);
    }

    /** Drops cancelled timers once they are many, so a schedule-and-cancel pattern cannot grow the heap. */
    void sweepCancelled() {
        if (cancelled > SWEEP_AFTER_CANCELLED && cancelled > heap.size() / 2) {
            heap.removeIf(t -> t.cancelled);
            cancelled = 0;
        }
    }

    /** A timer-heap entry, and the {@link Timeout} its scheduler holds. */
    final class ScheduledTask implements Timeout, Comparable<ScheduledTask> {
        final Runnable task;
        final long periodNanos;
        long deadlineNanos;
        long sequence;
        volatile boolean cancelled;

        private ScheduledTask(long deadlineNanos, long periodNanos, Runnable task) {
            this.deadlineNanos = deadlineNanos;
            this.periodNanos = periodNanos;
            this.task = task;
        }

        @Override
        public boolean cancel() {
            if (cancelled) {
                return false;
            }
            cancelled = true;
            if (inLoop.getAsBoolean()) {
                TimerHeap.this.cancelled++;
            }
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public int compareTo(ScheduledTask o) {
            long d = deadlineNanos - o.deadlineNanos;
            if (d != 0) {
                return d < 0 ? -1 : 1;
            }
            return Long.compare(sequence, o.sequence);
        }
    }
}
