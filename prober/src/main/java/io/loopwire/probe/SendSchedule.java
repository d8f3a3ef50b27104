package io.loopwire.probe;

import java.time.Duration;

/**
 * When each target's probe is due: target {@code i} of {@code n} at {@code i * interval / n} into every cycle, so the
 * sends are spread evenly over the interval. One timer of the prober calls {@link #due} every tick and sends the
 * targets it returns, instead of one timer per target: 10,000 targets then cost a cursor step per probe rather than a
 * timer-heap removal and insertion (two walks of a 10,000-entry heap).
 *
 * <p>A late tick sends every probe that came due since the last one (at most the rest of the current cycle and the
 * whole next); when the loop stalled for more than a full cycle, the missed cycles are skipped, as the reactor skips
 * missed runs of a periodic timer, so no target gets more than one probe per interval.
 *
 * @implNote Reactor thread only (the prober's timer). Allocates nothing.
 */
final class SendSchedule {
    /** Ticks at most this often: a busy prober sends its due probes in small bursts instead of waking per probe. */
    static final long MIN_TICK_NANOS = Duration.ofMillis(1).toNanos();

    private final long intervalNanos;
    private final int targets;
    private long cycleStartNanos;
    /** Targets of the current cycle already sent: indexes {@code [0, cursor)}. */
    private int cursor;
    /** The range {@link #due} set last: {@code [from, to)}. */
    private int from;
    private int to;

    SendSchedule(Duration interval, int targets, long startNanos) {
        this.intervalNanos = interval.toNanos();
        this.targets = targets;
        this.cycleStartNanos = startNanos;
    }

    /**
     * How often the prober's timer should tick: one target's share of the interval, but not more often than
     * {@link #MIN_TICK_NANOS} (nor less often than once per interval).
     */
    static Duration tick(Duration interval, int targets) {
        long share = interval.toNanos() / Math.max(1, targets);
        return Duration.ofNanos(Math.min(interval.toNanos(), Math.max(MIN_TICK_NANOS, share)));
    }

    /**
     * Advances to {@code nowNanos} and sets the range of targets now due ({@link #from()} to {@link #to()}, in the
     * current cycle). Call it again after sending them while it returns true: a range that reached the end of a cycle
     * is followed by the next cycle's due targets.
     *
     * @return whether any target is due
     */
    boolean due(long nowNanos) {
        if (targets == 0) {
            return false;
        }
        if (cursor == targets) {
            // The cycle is all sent: start the next one if its time has come, skipping cycles missed whole.
            long behind = nowNanos - cycleStartNanos;
            if (behind < intervalNanos) {
                return false;
            }
            cycleStartNanos += behind / intervalNanos * intervalNanos;
            cursor = 0;
        }
        long elapsed = nowNanos - cycleStartNanos;
        int dueCount;
        if (elapsed >= intervalNanos) {
            dueCount = targets;
        } else if (elapsed < 0) {
            return false;
        } else {
            // Target i is due when elapsed >= i * interval / n, i.e. i <= elapsed * n / interval.
            long product = elapsed * targets;
            long last = Math.multiplyHigh(elapsed, targets) == 0 && product >= 0 ? product / intervalNanos
                    : (long) ((double) elapsed * targets / intervalNanos); // intervals of days: no exactness needed
            dueCount = (int) Math.min(targets, last + 1);
        }
        if (dueCount <= cursor) {
            return false;
        }
        from = cursor;
        to = dueCount;
        cursor = dueCount;
        return true;
    }

    /** The first target of the range {@link #due} set. */
    int from() {
        return from;
    }

    /** One past the last target of the range {@link #due} set. */
    int to() {
        return to;
    }
}
