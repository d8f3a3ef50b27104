package io.loopwire;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Timers run in deadline order, and timers with equal delays in the order they were scheduled. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReactorTimerOrderTest {

    @Test
    void timersFireInDeadlineOrderNotSchedulingOrder() throws Exception {
        try (Reactor reactor = new Reactor("timer-order").start()) {
            List<Integer> fired = new ArrayList<>(); // loop-owned
            int[] delaysMillis = {90, 10, 70, 30, 50, 0, 80, 20, 60, 40};
            CountDownLatch done = new CountDownLatch(delaysMillis.length);
            reactor.call(() -> {
                for (int delay : delaysMillis) {
                    reactor.schedule(Duration.ofMillis(delay), () -> {
                        fired.add(delay);
                        done.countDown();
                    });
                }
                return null;
            });
            Poll.await(done, "every timer");
            assertThat(reactor.call(() -> List.copyOf(fired))).containsExactly(0, 10, 20, 30, 40, 50, 60, 70, 80, 90);
            assertThat(reactor.call(() -> reactor.stats().timersFired())).isEqualTo(delaysMillis.length);
        }
    }

    @Test
    void timersWithEqualDelaysFireInSchedulingOrder() throws Exception {
        try (Reactor reactor = new Reactor("timer-fifo").start()) {
            List<Integer> fired = new ArrayList<>();
            int count = 500;
            CountDownLatch done = new CountDownLatch(count);
            reactor.call(() -> {
                for (int i = 0; i < count; i++) {
                    int id = i;
                    reactor.schedule(Duration.ofMillis(30), () -> {
                        fired.add(id);
                        done.countDown();
                    });
                }
                return null;
            });
            Poll.await(done, "every timer");
            List<Integer> order = reactor.call(() -> List.copyOf(fired));
            assertThat(order).hasSize(count).isSorted();
        }
    }

    @Test
    void timersScheduledFromAnotherThreadFireInDeadlineOrder() throws Exception {
        try (Reactor reactor = new Reactor("timer-offloop").start()) {
            List<String> fired = new ArrayList<>();
            CountDownLatch done = new CountDownLatch(3);
            reactor.schedule(Duration.ofMillis(60), () -> {
                fired.add("late");
                done.countDown();
            });
            reactor.schedule(Duration.ofMillis(5), () -> {
                fired.add("early");
                done.countDown();
            });
            reactor.schedule(Duration.ofMillis(-5), () -> { // negative: as soon as possible
                fired.add("now");
                done.countDown();
            });
            Poll.await(done, "every timer");
            assertThat(reactor.call(() -> List.copyOf(fired))).containsExactly("now", "early", "late");
        }
    }

    @Test
    void aTimerRunsNoEarlierThanItsDelay() throws Exception {
        try (Reactor reactor = new Reactor("timer-delay").start()) {
            long[] firedAt = new long[1];
            CountDownLatch done = new CountDownLatch(1);
            long start = System.nanoTime();
            reactor.schedule(Duration.ofMillis(100), () -> {
                firedAt[0] = System.nanoTime();
                done.countDown();
            });
            Poll.await(done, "the timer");
            assertThat(TimeUnit.NANOSECONDS.toMillis(firedAt[0] - start)).isGreaterThanOrEqualTo(100);
        }
    }
}
