package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The page's buckets: spread by nearest rank, loss per bucket, all-loss buckets, rounds older than the history. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SmokeBucketsTest {
    private static final int LOSS = ProbeHistory.LOSS;

    @Test
    void eachBucketHasItsSpreadAndLossAndOldRoundsAreLeftOut() {
        long t0 = 1_000_000_000_000L; // a whole number of 10 s buckets
        ProbeHistory.Rounds rounds = new ProbeHistory.Rounds(
                new long[] {t0 - 120_000, t0, t0 + 1000, t0 + 2000, t0 + 3000, t0 + 4000, t0 + 10_000, t0 + 11_000},
                new int[] {5000, 1000, 2000, 3000, 4000, LOSS, LOSS, LOSS});
        SmokeBuckets b = SmokeBuckets.of(rounds, 10_000, t0 + 12_000, Duration.ofSeconds(60));
        assertThat(b.size).isEqualTo(2); // the round 2 minutes old is outside the 60 s history
        assertThat(b.startSeconds[0]).isEqualTo(t0 / 1000);
        assertThat(b.lossPercent[0]).isEqualTo(20.0);
        // replies 1, 2, 3, 4 ms: min, p10, p25, p50, p75, p90, max by nearest rank
        assertThat(b.rtt[0]).containsExactly(1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 4.0);
        assertThat(b.lossPercent[1]).isEqualTo(100.0);
        for (double v : b.rtt[1]) {
            assertThat(v).isNaN();
        }
    }

    @Test
    void bucketWidthIsAHundredTwentiethOfTheHistoryButAtLeastFiveIntervalsAndOneSecond() {
        assertThat(SmokeBuckets.bucketMillis(Duration.ofHours(1), Duration.ofSeconds(10))).isEqualTo(50_000);
        assertThat(SmokeBuckets.bucketMillis(Duration.ofHours(1), Duration.ofSeconds(1))).isEqualTo(30_000);
        assertThat(SmokeBuckets.bucketMillis(Duration.ofMinutes(1), Duration.ofMillis(100))).isEqualTo(1000);
    }

    @Test
    void historyKeepsHistoryOverIntervalPlusOneRoundsCappedAtMaxRounds() {
        ProbeHistory history = new ProbeHistory(Duration.ofSeconds(3), Duration.ofSeconds(1));
        assertThat(history.capacity()).isEqualTo(4);
        assertThat(new ProbeHistory(Duration.ofDays(7), Duration.ofMillis(1)).capacity())
                .isEqualTo(ProbeHistory.MAX_ROUNDS);
    }
}
