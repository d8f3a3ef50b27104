package io.loopwire.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.Reactor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The transports reach a reactor's plumbing through {@link LoopAccess}: one object per reactor (nothing allocated per
 * look-up), a turn number that grows by one per turn, and a finder nobody can replace once the reactor installed it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoopAccessTest {

    @Test
    void eachReactorHasOneLoopObjectOfItsOwn() {
        try (Reactor a = new Reactor("access-a"); Reactor b = new Reactor("access-b")) {
            assertThat(LoopAccess.of(a)).isSameAs(LoopAccess.of(a));
            assertThat(LoopAccess.of(a)).isNotSameAs(LoopAccess.of(b));
        }
    }

    @Test
    void theTurnNumberGrowsByOnePerTurn() throws Exception {
        try (Reactor reactor = new Reactor("access-turns").start()) {
            Loop loop = LoopAccess.of(reactor);
            long[] seen = new long[3];
            CountDownLatch done = new CountDownLatch(1);
            // Each end-of-turn step queues the next, which runs at the end of the following turn.
            reactor.execute(() -> {
                seen[0] = loop.turn();
                loop.runAtEndOfTurn(() -> loop.runAtEndOfTurn(() -> {
                    seen[1] = loop.turn();
                    loop.runAtEndOfTurn(() -> {
                        seen[2] = loop.turn();
                        done.countDown();
                    });
                }));
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(seen[0]).isPositive();
            assertThat(seen[1]).isEqualTo(seen[0] + 1);
            assertThat(seen[2]).isEqualTo(seen[1] + 1);
        }
    }

    @Test
    void theFinderCannotBeReplaced() {
        try (Reactor reactor = new Reactor("access-install")) {
            Loop loop = LoopAccess.of(reactor);
            assertThatThrownBy(() -> LoopAccess.install(r -> null)).isInstanceOf(IllegalStateException.class);
            assertThat(LoopAccess.of(reactor)).isSameAs(loop);
        }
    }
}
