package io.loopwire.cluster;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Bounded waiting for tests: poll a condition until a deadline; nothing waits without a bound. */
final class Poll {
    /** Generous: the test machine is shared, and NATS reconnects take a few hundred milliseconds. */
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private Poll() {
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

    static void until(Callable<Boolean> condition, String what) throws Exception {
        until(PATIENCE, condition, what);
    }
}
