package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.loopwire.probe.ProbeStats.Figures;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ProbeStatsTest {

    private static final long MS = 1_000_000L;
    private static final Offset<Double> NANO = within(1.0);
    /** The histogram's documented precision. */
    private static final Percentage HISTOGRAM = Percentage.withPercentage(0.8);

    private long clock = 1_000 * MS;

    private void reply(ProbeStats stats, long rttMs) {
        stats.recordSent();
        clock += 1_000 * MS;
        stats.recordReply(rttMs * MS, clock);
    }

    private void loss(ProbeStats stats) {
        stats.recordSent();
        clock += 1_000 * MS;
        stats.recordLoss(clock);
    }

    @Test
    void figuresMatchHandComputedValues() {
        final ProbeStats stats = new ProbeStats();
        reply(stats, 10);
        reply(stats, 30);
        loss(stats);
        reply(stats, 20);
        reply(stats, 40);
        stats.recordSent(); // still in flight: sent, not lost

        for (Figures f : new Figures[] {stats.snapshot(clock).lifetime(), stats.snapshot(clock).window()}) {
            assertThat(f.received()).isEqualTo(4);
            assertThat(f.lost()).isEqualTo(1);
            assertThat(f.lossPercent()).isEqualTo(20.0);
            assertThat(f.lastNanos()).isEqualTo(40 * MS);
            assertThat(f.minNanos()).isEqualTo(10 * MS);
            assertThat(f.maxNanos()).isEqualTo(40 * MS);
            assertThat(f.avgNanos()).isCloseTo(25.0 * MS, NANO);
            // Population stddev: sqrt((15² + 5² + 5² + 15²) / 4) = sqrt(125) ms.
            assertThat(f.stddevNanos()).isCloseTo(Math.sqrt(125) * MS, NANO);
            // |30-10| + |20-30| + |40-20| = 50 over 3 deltas; the loss between 30 and 20 is skipped.
            assertThat(f.jitterNanos()).isCloseTo(50.0 / 3 * MS, NANO);
            assertThat(f.longestOutageRounds()).isEqualTo(1);
            assertThat(f.longestOutageNanos()).isEqualTo(1_000 * MS);
        }
        final Figures lifetime = stats.snapshot(clock).lifetime();
        assertThat(lifetime.sent()).isEqualTo(6);
        // Nearest rank over {10, 20, 30, 40}: p50 is the 2nd, p90 and p99 the 4th.
        assertThat(lifetime.p50Nanos()).isCloseTo(20 * MS, HISTOGRAM);
        assertThat(lifetime.p90Nanos()).isEqualTo(40 * MS); // clamped to max
        assertThat(lifetime.p99Nanos()).isEqualTo(40 * MS);
        final Figures window = stats.snapshot(clock).window();
        assertThat(window.sent()).isEqualTo(5); // rounds in the window
        assertThat(window.p50Nanos()).isEqualTo(20 * MS);
        assertThat(window.p90Nanos()).isEqualTo(40 * MS);
        assertThat(window.p99Nanos()).isEqualTo(40 * MS);
    }

    @Test
    void percentilesOfOneToHundredMilliseconds() {
        final ProbeStats stats = new ProbeStats(100);
        // Shuffled, so sorting matters.
        final Random random = new Random(7);
        final long[] values = new long[100];
        for (int i = 0; i < 100; i++) {
            values[i] = i + 1;
        }
        for (int i = 99; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final long t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
        for (long v : values) {
            reply(stats, v);
        }
        final Figures window = stats.snapshot(clock).window();
        assertThat(window.p50Nanos()).isEqualTo(50 * MS);
        assertThat(window.p90Nanos()).isEqualTo(90 * MS);
        assertThat(window.p99Nanos()).isEqualTo(99 * MS);
        final Figures lifetime = stats.snapshot(clock).lifetime();
        assertThat(lifetime.p50Nanos()).isCloseTo(50 * MS, HISTOGRAM);
        assertThat(lifetime.p90Nanos()).isCloseTo(90 * MS, HISTOGRAM);
        assertThat(lifetime.p99Nanos()).isCloseTo(99 * MS, HISTOGRAM);
        assertThat(lifetime.avgNanos()).isCloseTo(50.5 * MS, NANO);
    }

    @Test
    void windowRollsOverTheLastRounds() {
        final ProbeStats stats = new ProbeStats(5);
        loss(stats);
        for (int ms = 1; ms <= 10; ms++) {
            reply(stats, ms);
        }
        final Figures window = stats.snapshot(clock).window();
        assertThat(window.sent()).isEqualTo(5);
        assertThat(window.received()).isEqualTo(5);
        assertThat(window.lost()).isZero();
        assertThat(window.lossPercent()).isZero();
        assertThat(window.minNanos()).isEqualTo(6 * MS);
        assertThat(window.maxNanos()).isEqualTo(10 * MS);
        assertThat(window.avgNanos()).isCloseTo(8.0 * MS, NANO);
        assertThat(window.stddevNanos()).isCloseTo(Math.sqrt(2) * MS, NANO);
        assertThat(window.jitterNanos()).isCloseTo(1.0 * MS, NANO);
        assertThat(window.p50Nanos()).isEqualTo(8 * MS);
        assertThat(window.longestOutageRounds()).isZero();

        final Figures lifetime = stats.snapshot(clock).lifetime();
        assertThat(lifetime.sent()).isEqualTo(11);
        assertThat(lifetime.minNanos()).isEqualTo(1 * MS);
        assertThat(lifetime.lost()).isEqualTo(1);
        assertThat(lifetime.longestOutageRounds()).isEqualTo(1);
    }

    @Test
    void windowOfOneHoldsTheLastRound() {
        final ProbeStats stats = new ProbeStats(1);
        reply(stats, 5);
        loss(stats);
        assertThat(stats.snapshot(clock).window().lost()).isEqualTo(1);
        assertThat(stats.snapshot(clock).window().received()).isZero();
        assertThat(stats.snapshot(clock).window().lastNanos()).isEqualTo(-1);
        reply(stats, 7);
        assertThat(stats.snapshot(clock).window().lastNanos()).isEqualTo(7 * MS);
        assertThat(stats.snapshot(clock).window().lossPercent()).isZero();
    }

    @Test
    void longestOutageCountsRoundsAndTimeToRecovery() {
        final ProbeStats stats = new ProbeStats(100);
        stats.recordReply(5 * MS, 0);
        stats.recordLoss(1_000 * MS);
        stats.recordLoss(2_000 * MS);
        stats.recordLoss(3_000 * MS);
        stats.recordReply(5 * MS, 4_050 * MS); // first lost probe sent at 1000 ms, recovery at 4050 ms
        stats.recordLoss(5_000 * MS);
        stats.recordReply(5 * MS, 6_000 * MS);
        Figures f = stats.snapshot(6_000 * MS).lifetime();
        assertThat(f.longestOutageRounds()).isEqualTo(3);
        assertThat(f.longestOutageNanos()).isEqualTo(3_050 * MS);
        assertThat(stats.snapshot(6_000 * MS).window().longestOutageNanos()).isEqualTo(3_050 * MS);

        // A running outage counts up to the snapshot's time.
        for (int i = 0; i < 4; i++) {
            stats.recordLoss((7_000 + i * 1_000) * MS);
        }
        assertThat(stats.currentOutageRounds()).isEqualTo(4);
        f = stats.snapshot(12_000 * MS).lifetime();
        assertThat(f.longestOutageRounds()).isEqualTo(4);
        assertThat(f.longestOutageNanos()).isEqualTo(5_000 * MS);
        final Figures w = stats.snapshot(12_000 * MS).window();
        assertThat(w.longestOutageRounds()).isEqualTo(4);
        assertThat(w.longestOutageNanos()).isEqualTo(5_000 * MS);
        assertThat(w.lost()).isEqualTo(8);
        assertThat(w.lossPercent()).isCloseTo(100.0 * 8 / 11, within(1e-9));
    }

    @Test
    void lateAndDuplicateRepliesAreCountedButAreNotSamples() {
        final ProbeStats stats = new ProbeStats(3);
        reply(stats, 10);
        stats.recordDuplicate();
        loss(stats);
        stats.recordLate();
        stats.recordLate();
        Figures f = stats.snapshot(clock).lifetime();
        assertThat(f.late()).isEqualTo(2);
        assertThat(f.duplicates()).isEqualTo(1);
        assertThat(f.received()).isEqualTo(1);
        assertThat(f.lost()).isEqualTo(1);
        assertThat(stats.snapshot(clock).window().late()).isEqualTo(2);
        assertThat(stats.snapshot(clock).window().duplicates()).isEqualTo(1);

        reply(stats, 10);
        reply(stats, 10);
        reply(stats, 10); // the rounds that saw the late and duplicate replies have left the window
        final Figures window = stats.snapshot(clock).window();
        assertThat(window.late()).isZero();
        assertThat(window.duplicates()).isZero();
        assertThat(stats.snapshot(clock).lifetime().late()).isEqualTo(2);
    }

    @Test
    void emptyStatsHaveNoFigures() {
        final ProbeStats stats = new ProbeStats();
        stats.recordSent();
        stats.recordLate(); // nothing to attribute it to in the window: lifetime only
        final Figures f = stats.snapshot(clock).lifetime();
        assertThat(f.sent()).isEqualTo(1);
        assertThat(f.lossPercent()).isNaN();
        assertThat(f.minNanos()).isEqualTo(-1);
        assertThat(f.p50Nanos()).isEqualTo(-1);
        assertThat(f.avgNanos()).isNaN();
        assertThat(f.jitterNanos()).isNaN();
        assertThat(f.row("h:1")).contains(" - ").doesNotContain("NaN").doesNotContain("-1");
        assertThat(stats.snapshot(clock).window().sent()).isZero();
    }

    @Test
    void negativeRttIsTakenAsZero() {
        final ProbeStats stats = new ProbeStats();
        stats.recordReply(-5, clock);
        assertThat(stats.snapshot(clock).lifetime().minNanos()).isZero();
        assertThat(stats.snapshot(clock).lifetime().p50Nanos()).isZero();
    }

    @Test
    void rowFormatsMillisecondsWithTwoDecimals() {
        final ProbeStats stats = new ProbeStats();
        reply(stats, 10);
        reply(stats, 30);
        loss(stats);
        reply(stats, 20);
        final String header = Figures.header();
        final String row = stats.snapshot(clock).lifetime().row("10.0.0.1:12345");
        assertThat(row).hasSameSizeAs(header);
        assertThat(row).startsWith("10.0.0.1:12345").contains(" 25.0 ").contains(" 20.00 ").contains(" 10.00 ")
                .contains(" 30.00 ").contains(" 15.00 ");
        assertThat(header).contains("loss%").contains("p99 ms").contains("jitter");
        assertThat(stats.snapshot(clock).toString()).contains("lifetime sent=4").contains("last 100 rounds");
    }

    @Test
    void histogramBucketsAreWithinDocumentedPrecision() {
        for (long v = 0; v < 128; v++) {
            assertThat(ProbeStats.bucketMidpoint(ProbeStats.bucketIndex(v))).isEqualTo(v);
        }
        final Random random = new Random(42);
        int previous = -1;
        for (long v = 100; v < ProbeStats.HISTOGRAM_MAX_NANOS; v += 1 + v / 50) {
            final int index = ProbeStats.bucketIndex(v);
            assertThat(index).isGreaterThanOrEqualTo(previous);
            previous = index;
        }
        for (int i = 0; i < 100_000; i++) {
            final long v = 1_000 + (long) (random.nextDouble() * ProbeStats.HISTOGRAM_MAX_NANOS);
            final long reported = ProbeStats.bucketMidpoint(ProbeStats.bucketIndex(v));
            assertThat(Math.abs(reported - v) / (double) v).as("value %d", v).isLessThanOrEqualTo(1.0 / 128);
        }
        assertThat(ProbeStats.bucketIndex(ProbeStats.HISTOGRAM_MAX_NANOS)).isLessThan(2048);
    }

    @Test
    void windowSizeIsValidated() {
        assertThatThrownBy(() -> new ProbeStats(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("window 0 rounds outside 1..1000000");
    }
}
