package io.loopwire;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End-of-turn work that queues more end-of-turn work (a flush that makes a handler refill, forever) runs that work in
 * the next turn: select, timers and tasks still get their turn in between.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReactorEndOfTurnBoundTest {

    @Test
    void endOfTurnWorkThatRequeuesItselfDoesNotStopTimers() throws Exception {
        AtomicLong runs = new AtomicLong();
        CountDownLatch timerFired = new CountDownLatch(5);
        try (Reactor reactor = new Reactor("end-of-turn-bound").start()) {
            EndOfTurn[] self = new EndOfTurn[1];
            self[0] = () -> {
                runs.incrementAndGet();
                reactor.runAtEndOfTurn(self[0]); // queues itself again, every time it runs
            };
            reactor.execute(() -> reactor.runAtEndOfTurn(self[0]));
            reactor.scheduleAtFixedRate(Duration.ofMillis(10), Duration.ofMillis(10), timerFired::countDown);
            Poll.await(timerFired, "five timer runs while end-of-turn work keeps requeueing itself");
            long[] runsAndTurns = reactor.call(() -> new long[] {runs.get(), reactor.stats().turns()});
            // One run per turn at most: the requeued work waited for the next turn each time.
            assertThat(runsAndTurns[0]).isPositive().isLessThanOrEqualTo(runsAndTurns[1]);
        }
    }

    @Test
    void aTaskHandedOverWhileEndOfTurnWorkRequeuesRunsPromptly() throws Exception {
        try (Reactor reactor = new Reactor("end-of-turn-tasks").start()) {
            EndOfTurn[] self = new EndOfTurn[1];
            self[0] = () -> reactor.runAtEndOfTurn(self[0]);
            reactor.execute(() -> reactor.runAtEndOfTurn(self[0]));
            for (int i = 0; i < 100; i++) {
                assertThat(reactor.call(() -> "ran")).isEqualTo("ran");
            }
        }
    }
}
