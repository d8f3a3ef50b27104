package io.loopwire.metrics;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Bounded waiting for tests (as core's {@code Poll}): nothing waits without a bound, nothing sleeps to synchronise. */
final class Poll {
    /** Generous: the test machine is shared. */
    static final Duration PATIENCE = Duration.ofSeconds(15);

    private Poll() {
    }

    static void until(Callable<Boolean> condition, String what) throws Exception {
        until(PATIENCE, condition, what);
    }

    static void until(Duration timeout, Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }
}
