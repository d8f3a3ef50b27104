package io.loopwire;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cancelled {@link io.loopwire.Timeout} never runs (cancelled on the loop or from another thread), and a fixed-rate
 * timer runs repeatedly until cancelled. "Never runs" is checked when a later sentinel timer has fired.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReactorTimerCancelTest {

    @Test
    void timerCancelledOnTheLoopNeverRuns() throws Exception {
        try (Reactor reactor = new Reactor("cancel-loop").start()) {
            AtomicInteger cancelledRuns = new AtomicInteger();
            CountDownLatch sentinel = new CountDownLatch(1);
            boolean[] cancelResults = reactor.call(() -> {
                io.loopwire.Timeout t = reactor.schedule(Duration.ofMillis(20), cancelledRuns::incrementAndGet);
                reactor.schedule(Duration.ofMillis(80), sentinel::countDown);
                return new boolean[] {t.cancel(), t.cancel(), t.isCancelled()};
            });
            assertThat(cancelResults).containsExactly(true, false, true);
            Poll.await(sentinel, "the sentinel timer");
            assertThat(cancelledRuns).hasValue(0);
        }
    }

    @Test
    void timerCancelledFromAnotherThreadNeverRuns() throws Exception {
        try (Reactor reactor = new Reactor("cancel-offloop").start()) {
            AtomicInteger cancelledRuns = new AtomicInteger();
            CountDownLatch sentinel = new CountDownLatch(1);
            // Cancelled right away (maybe before the loop even put it in the heap) and after it is surely queued.
            io.loopwire.Timeout immediate = reactor.schedule(Duration.ofMillis(30), cancelledRuns::incrementAndGet);
            assertThat(immediate.cancel()).isTrue();
            io.loopwire.Timeout queued = reactor.schedule(Duration.ofMillis(150), cancelledRuns::incrementAndGet);
            reactor.call(() -> null); // the scheduling task has run: the timer is in the heap now
            assertThat(queued.cancel()).isTrue();
            reactor.schedule(Duration.ofMillis(250), sentinel::countDown);
            Poll.await(sentinel, "the sentinel timer");
            assertThat(cancelledRuns).hasValue(0);
            assertThat(immediate.isCancelled()).isTrue();
            assertThat(queued.isCancelled()).isTrue();
        }
    }

    @Test
    void fixedRateTimerRunsRepeatedlyAndStopsWhenCancelled() throws Exception {
        try (Reactor reactor = new Reactor("fixed-rate").start()) {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch fiveRuns = new CountDownLatch(5);
            io.loopwire.Timeout periodic = reactor.scheduleAtFixedRate(Duration.ofMillis(5), Duration.ofMillis(10),
                    () -> {
                        runs.incrementAndGet();
                        fiveRuns.countDown();
                    });
            Poll.await(fiveRuns, "five periodic runs");
            // Cancel on the loop, between runs, so no run can be in flight: the count is final from here on.
            int runsAtCancel = reactor.call(() -> {
                periodic.cancel();
                return runs.get();
            });
            CountDownLatch sentinel = new CountDownLatch(1);
            reactor.schedule(Duration.ofMillis(100), sentinel::countDown); // ten periods later
            Poll.await(sentinel, "the sentinel timer");
            assertThat(runs).hasValue(runsAtCancel);
            assertThat(runsAtCancel).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void fixedRateTimerCancelledFromItsOwnTaskStops() throws Exception {
        try (Reactor reactor = new Reactor("fixed-rate-self").start()) {
            AtomicInteger runs = new AtomicInteger();
            io.loopwire.Timeout[] self = new io.loopwire.Timeout[1];
            reactor.call(() -> {
                self[0] = reactor.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(5), () -> {
                    if (runs.incrementAndGet() == 3) {
                        self[0].cancel();
                    }
                });
                return null;
            });
            CountDownLatch sentinel = new CountDownLatch(1);
            reactor.schedule(Duration.ofMillis(100), sentinel::countDown);
            Poll.await(sentinel, "the sentinel timer");
            assertThat(runs).hasValue(3);
        }
    }

    @Test
    void fixedRateTimerCancelledFromAnotherThreadStops() throws Exception {
        try (Reactor reactor = new Reactor("fixed-rate-offloop").start()) {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch threeRuns = new CountDownLatch(3);
            io.loopwire.Timeout periodic = reactor.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(5), () -> {
                runs.incrementAndGet();
                threeRuns.countDown();
            });
            Poll.await(threeRuns, "three periodic runs");
            periodic.cancel();
            // A run already started on the loop may finish; after one more loop task nothing new may start.
            reactor.call(() -> null);
            int runsAfterCancel = runs.get();
            CountDownLatch sentinel = new CountDownLatch(1);
            reactor.schedule(Duration.ofMillis(60), sentinel::countDown);
            Poll.await(sentinel, "the sentinel timer");
            assertThat(runs).hasValue(runsAfterCancel);
        }
    }
}
