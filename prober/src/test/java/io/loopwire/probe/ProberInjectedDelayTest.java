package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The prober against a test echo with an injected delay: 150 ms becomes SLOW, 400 ms VERY_SLOW, back to 0 NORMAL,
 * each only after {@code confirm} agreeing rounds; and the statistics match the RTTs the listener saw.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProberInjectedDelayTest {
    private static final long MS = 1_000_000L;
    private static final int CONFIRM = 3;
    private static final ClassifierConfig CONFIG = new ClassifierConfig(Duration.ofMillis(100),
            Duration.ofMillis(300), Duration.ofSeconds(1), 3, CONFIRM);

    @Test
    void delayOf150msIsSlowAnd400msVerySlowEachAfterConfirmRounds() throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start(); TestEcho echo = TestEcho.start()) {
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(echo.address())
                    .interval(Duration.ofMillis(100))
                    .classifier(CONFIG)
                    .listener(rec)
                    .start();
            try {
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, Duration.ofSeconds(5))).isTrue();
                assertThat(rec.awaitRounds(3, Duration.ofSeconds(5))).isTrue();

                int mark = rec.rounds().size();
                echo.delay(Duration.ofMillis(150));
                assertThat(rec.awaitChangeTo(LinkState.SLOW, Duration.ofSeconds(10))).isTrue();
                assertConfirmed(rec, rec.firstChangeTo(LinkState.SLOW, mark), LinkState.NORMAL, 150 * MS, 300 * MS);

                mark = rec.rounds().size();
                echo.delay(Duration.ofMillis(400));
                assertThat(rec.awaitChangeTo(LinkState.VERY_SLOW, Duration.ofSeconds(10))).isTrue();
                assertConfirmed(rec, rec.firstChangeTo(LinkState.VERY_SLOW, mark), LinkState.SLOW, 400 * MS,
                        1000 * MS);

                mark = rec.rounds().size();
                echo.delay(Duration.ZERO);
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, 2, Duration.ofSeconds(10))).isTrue();
                assertConfirmed(rec, rec.firstChangeTo(LinkState.NORMAL, mark), LinkState.VERY_SLOW, 0, 100 * MS);

                assertThat(rec.states()).as("one change per level, never PENDING or a flip-flop")
                        .containsExactly(LinkState.NORMAL, LinkState.SLOW, LinkState.VERY_SLOW, LinkState.NORMAL);
                ProbeStats.Figures f = reactor.call(() -> prober.targets().get(0).stats().snapshot().lifetime());
                assertThat(f.lost()).isZero();
                assertThat(f.late()).isZero();
                assertThat(f.maxNanos()).isBetween(400 * MS, 1000 * MS);
                System.out.println("injected delay 0/150/400/0 ms: " + f);
            } finally {
                prober.close();
            }
        }
    }

    /**
     * The change happened on the {@code confirm}-th consecutive reply in [lo, hi), and the round before it (already
     * such a reply) still showed the old state.
     */
    private static void assertConfirmed(Recorder rec, Recorder.Change change, LinkState before, long lo, long hi) {
        assertThat(change).isNotNull();
        List<Recorder.Round> rounds = rec.rounds();
        int at = change.round();
        assertThat(change.from()).isEqualTo(before);
        StringBuilder streak = new StringBuilder();
        for (int i = at - CONFIRM + 1; i <= at; i++) {
            Recorder.Round r = rounds.get(i);
            streak.append(String.format(Locale.ROOT, " %.1f", r.rttNanos() / 1e6));
            assertThat(r.rttNanos()).as("round %d of the confirming streak", i).isBetween(lo, hi - 1);
        }
        Recorder.Round previous = rounds.get(at - 1);
        assertThat(previous.state()).as("one reply short of confirm keeps the old state").isEqualTo(before);
        System.out.printf("%s -> %s after %d replies of (ms)%s%n", before, change.to(), CONFIRM, streak);
    }

    @Test
    void statisticsMatchTheMeasuredRttsAndTheInjectedDelay() throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start();
                TestEcho echo = TestEcho.start().delay(Duration.ofMillis(50))) {
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(echo.address())
                    .interval(Duration.ofMillis(40))
                    .classifier(CONFIG)
                    .rounds(25)
                    .listener(rec)
                    .start();
            try {
                assertThat(rec.awaitFinished(Duration.ofSeconds(10))).isTrue();
                ProbeStats.Snapshot s = reactor.call(() -> prober.targets().get(0).stats().snapshot());
                long[] rtts = rec.rounds().stream().mapToLong(Recorder.Round::rttNanos).sorted().toArray();
                assertThat(rtts).hasSize(25);
                ProbeStats.Figures f = s.lifetime();
                ProbeStats.Figures w = s.window();
                System.out.println("50 ms injected delay, 25 rounds: " + f);
                assertThat(f.sent()).isEqualTo(25);
                assertThat(f.received()).isEqualTo(25);
                assertThat(f.lost() + f.late() + f.duplicates()).isZero();
                assertThat(f.minNanos()).isEqualTo(rtts[0]).isGreaterThanOrEqualTo(50 * MS);
                assertThat(f.maxNanos()).isEqualTo(rtts[24]).isLessThan(1000 * MS);
                double mean = Arrays.stream(rtts).average().orElseThrow();
                assertThat(f.avgNanos()).isCloseTo(mean, Offset.offset(1.0));
                assertThat(f.avgNanos()).as("avg close to the injected 50 ms").isBetween(50e6, 250e6);
                // The window holds all 25 rounds: its percentiles are exact nearest-rank.
                assertThat(w.p50Nanos()).isEqualTo(rtts[(int) Math.ceil(0.50 * 25) - 1]);
                assertThat(w.p90Nanos()).isEqualTo(rtts[(int) Math.ceil(0.90 * 25) - 1]);
                assertThat(w.p99Nanos()).isEqualTo(rtts[24]);
                // Lifetime percentiles come from the histogram: within 1 % of the exact ones.
                assertThat((double) f.p50Nanos()).isCloseTo(w.p50Nanos(),
                        Percentage.withPercentage(1));
                assertThat(f.minNanos()).isLessThanOrEqualTo(f.p50Nanos());
                assertThat(f.p50Nanos()).isLessThanOrEqualTo(f.p90Nanos());
                assertThat(f.p90Nanos()).isLessThanOrEqualTo(f.p99Nanos());
                assertThat(f.p99Nanos()).isLessThanOrEqualTo(f.maxNanos());
                assertThat(f.stddevNanos()).isLessThanOrEqualTo(f.maxNanos() - f.minNanos());
                assertThat(f.jitterNanos()).isLessThanOrEqualTo(f.maxNanos() - f.minNanos());
                assertThat(rec.states()).containsExactly(LinkState.NORMAL);
            } finally {
                prober.close();
            }
        }
    }
}
