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
 * the next turn: select, timers and tasks still get their turn in between. Through {@link Reactor#runAtEndOfTurn}, the
 * public face of the queue the transports flush from.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReactorEndOfTurnBoundTest {

    @Test
    void endOfTurnWorkRunsAtTheEndOfTheTurnThatQueuedIt() throws Exception {
        try (Reactor reactor = new Reactor("end-of-turn-same-turn").start()) {
            long[] turns = reactor.call(() -> {
                long[] seen = {reactor.currentTurn(), -1, -1};
                reactor.runAtEndOfTurn(() -> {
                    seen[1] = reactor.currentTurn();
                    reactor.runAtEndOfTurn(() -> seen[2] = reactor.currentTurn()); // queued while end-of-turn work runs
                });
                return seen;
            });
            Poll.onLoopUntil(reactor, () -> turns[2] >= 0, "the requeued end-of-turn work ran");
            assertThat(turns[1]).as("first run: the same turn").isEqualTo(turns[0]);
            assertThat(turns[2]).as("work queued by end-of-turn work: a later turn").isGreaterThan(turns[1]);
        }
    }

    @Test
    void endOfTurnWorkThatRequeuesItselfDoesNotStopTimers() throws Exception {
        AtomicLong runs = new AtomicLong();
        CountDownLatch timerFired = new CountDownLatch(5);
        try (Reactor reactor = new Reactor("end-of-turn-bound").start()) {
            Runnable[] self = new Runnable[1];
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
            Runnable[] self = new Runnable[1];
            self[0] = () -> reactor.runAtEndOfTurn(self[0]);
            reactor.execute(() -> reactor.runAtEndOfTurn(self[0]));
            for (int i = 0; i < 100; i++) {
                assertThat(reactor.call(() -> "ran")).isEqualTo("ran");
            }
        }
    }
}
