package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pacer serves a burst at once, then one request per interval, refuses beyond its wait bound, and saves no more. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RequestPacerTest {
    private static final long MS = 1_000_000L;

    @Test
    void aBurstIsServedAtOnceThenOnePerIntervalThenRefused() {
        RequestPacer pacer = new RequestPacer(10, 3, Duration.ofMillis(250)); // 100 ms apart
        long t = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        assertThat(pacer.reserve(t)).isZero();
        assertThat(pacer.reserve(t)).isZero();
        assertThat(pacer.reserve(t)).isZero();
        assertThat(pacer.reserve(t)).isEqualTo(100 * MS);
        assertThat(pacer.reserve(t)).isEqualTo(200 * MS);
        assertThat(pacer.reserve(t)).isEqualTo(-1); // 300 ms away: over the bound, and no slot taken
        assertThat(pacer.reserve(t + 100 * MS)).isEqualTo(200 * MS);
    }

    @Test
    void idleTimeSavesUpOnlyTheBurst() {
        RequestPacer pacer = new RequestPacer(10, 2, Duration.ofMillis(50));
        long t = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
        int servedNow = 0;
        while (pacer.reserve(t) == 0) {
            servedNow++;
        }
        assertThat(servedNow).isEqualTo(2);
    }

    @Test
    void badFiguresAreRefused() {
        assertThatThrownBy(() -> new RequestPacer(0, 1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0/s");
    }
}
