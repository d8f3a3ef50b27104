package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A prober may be built before its reactor starts (the monitor does: everything is composed, then the loop runs);
 * with assertions on, that must not trip a loop-thread check, and probing starts with the loop.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProberBuiltBeforeTheLoopStartsTest {

    @Test
    void aProberBuiltBeforeStartProbesOnceTheLoopRuns() throws Exception {
        try (TestEcho echo = TestEcho.start(); Reactor reactor = new Reactor("prober-before-start")) {
            CountDownLatch finished = new CountDownLatch(1);
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(echo.address())
                    .interval(Duration.ofMillis(10))
                    .rounds(3)
                    .listener(new ProbeListener() {
                        @Override
                        public void onFinished() {
                            finished.countDown();
                        }
                    })
                    .start();
            reactor.start();
            Poll.await(finished, "three rounds");
            assertThat(reactor.call(() -> prober.targets().get(0).stats().received())).isEqualTo(3);
            prober.close();
        }
    }
}
