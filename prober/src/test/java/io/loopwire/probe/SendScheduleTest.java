package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The prober's send schedule: targets spread over the interval, each once per cycle, missed cycles skipped. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SendScheduleTest {
    private static final long MS = 1_000_000L;

    @Test
    void spreadsTargetsEvenlyAndSendsEachOncePerCycle() {
        SendSchedule s = new SendSchedule(Duration.ofMillis(100), 10, 0);
        assertThat(sent(s, 0)).containsExactly(0);
        assertThat(sent(s, 5 * MS)).isEmpty();
        assertThat(sent(s, 10 * MS)).containsExactly(1);
        assertThat(sent(s, 35 * MS)).containsExactly(2, 3);
        assertThat(sent(s, 99 * MS)).containsExactly(4, 5, 6, 7, 8, 9);
        assertThat(sent(s, 99 * MS)).isEmpty();
        assertThat(sent(s, 100 * MS)).containsExactly(0);
        assertThat(sent(s, 125 * MS)).containsExactly(1, 2);
    }

    @Test
    void aLateTickFinishesTheCycleAndStartsTheNext() {
        SendSchedule s = new SendSchedule(Duration.ofMillis(100), 4, 0);
        assertThat(sent(s, 0)).containsExactly(0);
        assertThat(sent(s, 160 * MS)).containsExactly(1, 2, 3, 0, 1, 2);
    }

    @Test
    void aStallOfSeveralCyclesSkipsThemInsteadOfBursting() {
        SendSchedule s = new SendSchedule(Duration.ofMillis(100), 4, 0);
        assertThat(sent(s, 99 * MS)).containsExactly(0, 1, 2, 3);
        assertThat(sent(s, 1_030 * MS)).containsExactly(0, 1);
        assertThat(sent(s, 1_099 * MS)).containsExactly(2, 3);
        assertThat(sent(s, 1_100 * MS)).containsExactly(0);
    }

    @Test
    void tickIsOneTargetsShareClampedToAMillisecondAndTheInterval() {
        assertThat(SendSchedule.tick(Duration.ofMillis(100), 10_000)).isEqualTo(Duration.ofMillis(1));
        assertThat(SendSchedule.tick(Duration.ofSeconds(10), 100)).isEqualTo(Duration.ofMillis(100));
        assertThat(SendSchedule.tick(Duration.ofSeconds(1), 1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(SendSchedule.tick(Duration.ofSeconds(1), 0)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void hugeIntervalsDoNotOverflow() {
        SendSchedule s = new SendSchedule(Duration.ofDays(30), 60_000, 0);
        assertThat(sent(s, 0)).containsExactly(0);
        assertThat(sent(s, Duration.ofDays(30).toNanos() - 1)).hasSize(59_999);
    }

    private static List<Integer> sent(SendSchedule s, long now) {
        List<Integer> out = new ArrayList<>();
        while (s.due(now)) {
            for (int i = s.from(); i < s.to(); i++) {
                out.add(i);
            }
        }
        return out;
    }
}
