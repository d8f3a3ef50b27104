package io.loopwire.examples.web;

import java.time.Duration;

/**
 * Paces requests to a steady rate with a small burst (a token bucket kept as "the next free slot", GCRA style): a
 * request over the rate waits for its slot, holding its client back, and one whose slot is more than {@code maxWait}
 * away is refused. So a greedy client on many keep-alive connections gets the rate and spends its time waiting, not
 * the CPU the loop shares.
 *
 * @implNote Thread-safe.
 */
final class RequestPacer {
    private final long intervalNanos;
    private final long burstNanos;
    private final long maxWaitNanos;
    private long nextFreeNanos = System.nanoTime(); // guarded by this

    /** @throws IllegalArgumentException if a figure is not positive */
    RequestPacer(int perSecond, int burst, Duration maxWait) {
        if (perSecond <= 0 || burst <= 0 || maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("pacer figures must be positive: " + perSecond + "/s, burst " + burst
                    + ", max wait " + maxWait);
        }
        this.intervalNanos = 1_000_000_000L / perSecond;
        this.burstNanos = intervalNanos * burst;
        this.maxWaitNanos = maxWait.toNanos();
    }

    /** Reserves a slot: the nanoseconds to wait before serving (0 = now), or -1 if the wait would exceed the bound. */
    synchronized long reserve(long nowNanos) {
        // Unused slots are saved up to a burst: at most `burst` requests find their slot already due.
        long earliest = nowNanos - burstNanos + intervalNanos;
        if (nextFreeNanos - earliest < 0) {
            nextFreeNanos = earliest;
        }
        long wait = nextFreeNanos - nowNanos;
        if (wait > maxWaitNanos) {
            return -1;
        }
        nextFreeNanos += intervalNanos;
        return Math.max(0, wait);
    }
}
