package io.loopwire.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.cluster.OriginFilter.Verdict;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The origin filter's rules, one by one, without NATS (it is plain code on one thread). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OriginFilterTest {
    private final ClusterStats stats = new ClusterStats();
    private final OriginFilter filter = new OriginFilter(stats);
    private long now = 1_000;

    private Verdict accept(String node, long seq) {
        return filter.accept(node, "inc", seq, now);
    }

    @Test
    void aHugeForgedSequenceIsSuspectAndLeavesTheOriginsStateAlone() {
        assertThat(accept("a", 5)).isEqualTo(Verdict.NEW);
        assertThat(accept("a", Long.MAX_VALUE)).isEqualTo(Verdict.SUSPECT);
        assertThat(accept("a", 5 + OriginFilter.MAX_AHEAD + 1)).isEqualTo(Verdict.SUSPECT);
        assertThat(accept("a", 6)).isEqualTo(Verdict.NEW);
        assertThat(accept("a", 7)).isEqualTo(Verdict.NEW);
        assertThat(stats.suspect()).isEqualTo(2);
    }

    @Test
    void aForgeryWithinTheWindowLeavesHolesTheRealLinesFillOnce() {
        accept("a", 1);
        assertThat(accept("a", 1 + OriginFilter.MAX_AHEAD)).as("forged, within reach").isEqualTo(Verdict.NEW);
        for (long s = 2; s < 1 + OriginFilter.MAX_AHEAD; s++) {
            assertThat(accept("a", s)).as("real line %d", s).isEqualTo(Verdict.NEW);
        }
        assertThat(accept("a", 2)).as("a replay of a filled hole").isEqualTo(Verdict.DUPLICATE);
        assertThat(accept("a", 1 + OriginFilter.MAX_AHEAD)).isEqualTo(Verdict.DUPLICATE);
        assertThat(stats.gaps()).isZero();
    }

    @Test
    void linesBelowTheFirstHeardAndTooOldAreDuplicates() {
        accept("a", 7);
        assertThat(accept("a", 3)).isEqualTo(Verdict.DUPLICATE);
        for (long s = 8; s < 8 + OriginFilter.WINDOW + 200; s += 100) {
            assertThat(accept("a", s)).isEqualTo(Verdict.NEW);
        }
        assertThat(accept("a", 9)).as("a hole older than the window").isEqualTo(Verdict.DUPLICATE);
    }

    @Test
    void afterAResyncAFarJumpIsBelievedOnce() {
        accept("a", 1);
        filter.resync();
        assertThat(accept("a", 1_000_000)).isEqualTo(Verdict.NEW);
        assertThat(accept("a", 1_000_001)).isEqualTo(Verdict.NEW);
        assertThat(accept("a", 9_000_000)).as("no second free jump").isEqualTo(Verdict.SUSPECT);
    }

    @Test
    void afterJnatsDroppedLinesAnOriginMayJumpAsFarAsWereDroppedNoFurther() {
        long[] dropped = {0};
        stats.natsDropped = () -> dropped[0];
        accept("a", 1);
        dropped[0] = 10_000;
        long limit = 1 + OriginFilter.MAX_AHEAD + 10_000;
        assertThat(accept("a", limit + 1)).as("beyond what jnats dropped").isEqualTo(Verdict.SUSPECT);
        assertThat(accept("a", limit)).isEqualTo(Verdict.NEW);
        assertThat(accept("a", limit + 1 + OriginFilter.MAX_AHEAD)).as("the allowance is spent")
                .isEqualTo(Verdict.SUSPECT);
        assertThat(accept("a", limit + 1)).isEqualTo(Verdict.NEW);
    }

    @Test
    void strangersFloodingTheTableDoNotMakeItForgetAnActiveOrigin() {
        accept("real", 1);
        accept("real", 2); // heard twice: trusted
        for (int i = 0; i < 3 * OriginFilter.MAX_PROBATION; i++) {
            filter.accept("stranger-" + i, "inc", 1, now);
        }
        assertThat(accept("real", 2)).as("the replay").isEqualTo(Verdict.DUPLICATE);
        assertThat(accept("real", 3)).isEqualTo(Verdict.NEW);
        assertThat(filter.size()).isLessThanOrEqualTo(OriginFilter.MAX_PROBATION + OriginFilter.MAX_TRUSTED);
    }

    @Test
    void strangersThatSpeakTwiceFillTheTrustedTableButCannotEvictActiveOrigins() {
        accept("real", 1);
        accept("real", 2);
        for (int i = 0; i < 2 * OriginFilter.MAX_TRUSTED; i++) {
            filter.accept("stranger-" + i, "inc", 1, now);
            filter.accept("stranger-" + i, "inc", 2, now);
        }
        assertThat(accept("real", 2)).isEqualTo(Verdict.DUPLICATE);
        now += OriginFilter.TRUSTED_IDLE_NANOS + 1;
        accept("newcomer", 1);
        assertThat(accept("newcomer", 2)).as("an idle trusted origin makes room").isEqualTo(Verdict.NEW);
        assertThat(filter.size()).isLessThanOrEqualTo(OriginFilter.MAX_PROBATION + OriginFilter.MAX_TRUSTED);
    }
}
