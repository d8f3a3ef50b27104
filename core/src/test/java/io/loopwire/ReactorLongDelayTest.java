package io.loopwire;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Delays far beyond the nanosecond clock's range neither overflow into "now" nor stop the loop from working. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReactorLongDelayTest {

    @Test
    void aThousandYearDelayDoesNotOverflowAndDoesNotFire() throws Exception {
        try (Reactor reactor = new Reactor("long-delay").start()) {
            AtomicInteger farRuns = new AtomicInteger();
            io.loopwire.Timeout thousandYears = reactor.schedule(Duration.ofDays(365L * 1000), farRuns::incrementAndGet);
            io.loopwire.Timeout forever = reactor.schedule(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
                    farRuns::incrementAndGet);
            io.loopwire.Timeout farPeriodic = reactor.scheduleAtFixedRate(Duration.ofDays(365L * 1000),
                    Duration.ofDays(365L * 1000), farRuns::incrementAndGet);
            // A short timer behind them still fires, and the loop still takes tasks while the far ones wait.
            CountDownLatch near = new CountDownLatch(1);
            reactor.schedule(Duration.ofMillis(50), near::countDown);
            Poll.await(near, "a near timer scheduled after the far ones");
            for (int i = 0; i < 100; i++) {
                CountDownLatch ran = new CountDownLatch(1);
                reactor.execute(ran::countDown);
                Poll.await(ran, "a task while far timers wait");
            }
            assertThat(farRuns).hasValue(0);
            assertThat(reactor.call(() -> reactor.stats().timersFired())).isEqualTo(1);
            assertThat(thousandYears.cancel()).isTrue();
            assertThat(forever.cancel()).isTrue();
            assertThat(farPeriodic.cancel()).isTrue();
        }
    }
}
