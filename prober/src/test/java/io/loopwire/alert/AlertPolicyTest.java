package io.loopwire.alert;

import static io.loopwire.probe.LinkState.DOWN;
import static io.loopwire.probe.LinkState.NORMAL;
import static io.loopwire.probe.LinkState.PENDING;
import static io.loopwire.probe.LinkState.SLOW;
import static io.loopwire.probe.LinkState.VERY_SLOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.probe.LinkState;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scripted state sequences against a fake clock: exactly the expected alerts, never one per probe. */
@Timeout(10)
class AlertPolicyTest {

    private static final String A = "127.0.0.1:12345";
    private static final Duration GROUP_WAIT = Duration.ofSeconds(30);

    private final List<Alert> alerts = new ArrayList<>();
    private Instant now = Instant.parse("2024-05-01T10:00:00Z");
    private final AlertPolicy policy = new AlertPolicy(
            AlertPolicy.Config.defaults().withZone(ZoneOffset.ofHours(2)), alerts::add);

    /** Moves the fake clock forward one second at a time, ticking like the monitor does. */
    private void advance(Duration d) {
        Instant end = now.plus(d);
        while (now.isBefore(end)) {
            now = now.plusSeconds(1);
            policy.tick(now);
        }
    }

    private void change(String target, LinkState from, LinkState to) {
        policy.onStateChange(target, from, to, now, to == DOWN ? -1 : 42_000_000);
    }

    @Test
    void confirmedChangeToProblemSendsOneAlertAfterGroupWait() {
        change(A, null, NORMAL);
        advance(Duration.ofMinutes(1));
        assertThat(alerts).isEmpty();

        change(A, NORMAL, DOWN);
        advance(GROUP_WAIT.minusSeconds(1));
        assertThat(alerts).as("held for the group wait").isEmpty();
        advance(Duration.ofSeconds(1));
        assertThat(alerts).hasSize(1);
        Alert a = alerts.get(0);
        assertThat(a.kind()).isEqualTo(AlertKind.CHANGE);
        assertThat(a.changes()).singleElement().satisfies(c -> {
            assertThat(c.target()).isEqualTo(A);
            assertThat(c.previous()).isEqualTo(NORMAL);
            assertThat(c.current()).isEqualTo(DOWN);
        });
        assertThat(a.subject()).isEqualTo("[loopwire] 127.0.0.1:12345 is DOWN");
        assertThat(a.textBody()).contains("NORMAL -> DOWN").contains("2024-05-01T12:01:00+02:00");

        advance(Duration.ofMinutes(10));
        assertThat(alerts).as("no more until something changes").hasSize(1);
    }

    @Test
    void recoveryIsSentOnlyAfterAnAlertedProblem() {
        change(A, null, NORMAL);
        change(A, NORMAL, SLOW);
        advance(Duration.ofSeconds(10));
        change(A, SLOW, NORMAL); // back within the group wait: nobody heard of the problem
        advance(Duration.ofMinutes(2));
        assertThat(alerts).as("a blip shorter than the group wait mails nobody").isEmpty();

        change(A, NORMAL, VERY_SLOW);
        advance(Duration.ofMinutes(1));
        assertThat(alerts).extracting(Alert::kind).containsExactly(AlertKind.CHANGE);
        change(A, VERY_SLOW, NORMAL);
        advance(Duration.ofMinutes(1));
        assertThat(alerts).extracting(Alert::kind).containsExactly(AlertKind.CHANGE, AlertKind.RECOVERY);
        Alert recovery = alerts.get(1);
        assertThat(recovery.subject()).isEqualTo("[loopwire] 127.0.0.1:12345 is NORMAL again");
        assertThat(recovery.changes().get(0).previous()).isEqualTo(VERY_SLOW);
        assertThat(recovery.changes().get(0).detail()).isEqualTo("problem lasted 1m 0s");
        assertThat(recovery.isProblem()).isFalse();
    }

    @Test
    void pendingAloneIsNeverAlerted() {
        change(A, null, NORMAL);
        for (int i = 0; i < 20; i++) {
            change(A, NORMAL, PENDING);
            advance(Duration.ofSeconds(10));
            change(A, PENDING, NORMAL);
            advance(Duration.ofSeconds(50));
        }
        change(A, NORMAL, PENDING);
        advance(Duration.ofHours(5));
        assertThat(alerts).isEmpty();
        assertThat(policy.isFlapping(A)).isFalse();
    }

    @Test
    void pendingThenDownIsAChangeFromTheStateBeforePending() {
        change(A, null, NORMAL);
        change(A, NORMAL, PENDING);
        advance(Duration.ofSeconds(20));
        change(A, PENDING, DOWN);
        advance(GROUP_WAIT);
        assertThat(alerts).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(AlertKind.CHANGE);
            assertThat(a.changes().get(0).previous()).isEqualTo(NORMAL);
        });
    }

    @Test
    void badAtStartSendsInitialAndGoodAtStartSendsNothing() {
        change("good", null, NORMAL);
        change(A, null, PENDING);
        advance(Duration.ofSeconds(20));
        change(A, PENDING, DOWN);
        advance(GROUP_WAIT);
        assertThat(alerts).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(AlertKind.INITIAL);
            assertThat(a.changes()).extracting(TargetChange::target).containsExactly(A);
            assertThat(a.changes().get(0).previous()).isNull();
            assertThat(a.subject()).isEqualTo("[loopwire] 127.0.0.1:12345 is DOWN at start");
        });
        change(A, DOWN, NORMAL);
        advance(GROUP_WAIT);
        assertThat(alerts).extracting(Alert::kind).containsExactly(AlertKind.INITIAL, AlertKind.RECOVERY);
    }

    @Test
    void reminderComesEveryRepeatAndNotBefore() {
        change(A, null, NORMAL);
        change(A, NORMAL, DOWN);
        advance(GROUP_WAIT);
        assertThat(alerts).hasSize(1);
        Instant alertedAt = now;

        advance(Duration.ofHours(4).minusSeconds(1));
        assertThat(alerts).as("no reminder before repeat").hasSize(1);
        advance(Duration.ofSeconds(1));
        assertThat(alerts).hasSize(2);
        Alert reminder = alerts.get(1);
        assertThat(reminder.kind()).isEqualTo(AlertKind.REMINDER);
        assertThat(reminder.created()).isEqualTo(alertedAt.plus(Duration.ofHours(4)));
        assertThat(reminder.subject()).isEqualTo("[loopwire] 127.0.0.1:12345 is still DOWN");
        assertThat(reminder.changes().get(0).detail()).isEqualTo("still DOWN after 4h 0m");

        advance(Duration.ofHours(4));
        assertThat(alerts).extracting(Alert::kind)
                .containsExactly(AlertKind.CHANGE, AlertKind.REMINDER, AlertKind.REMINDER);

        change(A, DOWN, NORMAL);
        advance(Duration.ofHours(9));
        assertThat(alerts).extracting(Alert::kind).as("no reminder once NORMAL")
                .containsExactly(AlertKind.CHANGE, AlertKind.REMINDER, AlertKind.REMINDER, AlertKind.RECOVERY);
    }

    @Test
    void manyTargetsChangingWithinGroupWaitGoOutAsOneAlert() {
        for (int i = 1; i <= 5; i++) {
            change("10.0.0." + i + ":7", null, NORMAL);
        }
        advance(Duration.ofMinutes(1));
        for (int i = 1; i <= 5; i++) {
            change("10.0.0." + i + ":7", NORMAL, i == 5 ? SLOW : DOWN);
            advance(Duration.ofSeconds(5)); // 25 s from first to last: all inside one group wait
        }
        advance(Duration.ofMinutes(5));
        assertThat(alerts).hasSize(1);
        Alert a = alerts.get(0);
        assertThat(a.kind()).isEqualTo(AlertKind.CHANGE);
        assertThat(a.changes()).extracting(TargetChange::target)
                .containsExactly("10.0.0.1:7", "10.0.0.2:7", "10.0.0.3:7", "10.0.0.4:7", "10.0.0.5:7");
        assertThat(a.subject())
                .isEqualTo("[loopwire] 5 targets changed: 10.0.0.1:7 DOWN, 10.0.0.2:7 DOWN, 10.0.0.3:7 DOWN, +2 more");
        assertThat(a.textBody()).contains("10.0.0.5:7  NORMAL -> SLOW");
        assertThat(a.htmlBody()).contains("<td>10.0.0.4:7</td>");

        for (int i = 1; i <= 5; i++) {
            change("10.0.0." + i + ":7", i == 5 ? SLOW : DOWN, NORMAL);
        }
        advance(GROUP_WAIT);
        assertThat(alerts).hasSize(2);
        assertThat(alerts.get(1).kind()).isEqualTo(AlertKind.RECOVERY);
        assertThat(alerts.get(1).changes()).hasSize(5);
    }

    @Test
    void zeroGroupWaitSendsAtOnce() {
        AlertPolicy p = new AlertPolicy(AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO), alerts::add);
        p.onStateChange(A, null, NORMAL, now, 1_000_000);
        p.onStateChange(A, NORMAL, VERY_SLOW, now, 400_000_000);
        assertThat(alerts).singleElement().satisfies(a -> assertThat(a.textBody()).contains("400.0 ms"));
    }

    @Test
    void flappingSendsOneAlertThenSilenceUntilSettled() {
        change(A, null, NORMAL);
        // A change every 40 s (longer than the group wait, so the first ones do get alerted).
        LinkState state = NORMAL;
        for (int i = 0; i < 31; i++) {
            LinkState next = state == NORMAL ? DOWN : NORMAL;
            change(A, state, next);
            state = next;
            advance(Duration.ofSeconds(40));
        }
        List<AlertKind> kinds = alerts.stream().map(Alert::kind).toList();
        assertThat(kinds).containsExactly(AlertKind.CHANGE, AlertKind.RECOVERY, AlertKind.CHANGE,
                AlertKind.RECOVERY, AlertKind.CHANGE, AlertKind.FLAPPING);
        Alert flapping = alerts.get(5);
        assertThat(flapping.subject()).isEqualTo("[loopwire] 127.0.0.1:12345 is FLAPPING (now NORMAL)");
        assertThat(flapping.changes().get(0).detail()).startsWith("6 changes within 10m 0s");
        assertThat(policy.isFlapping(A)).isTrue();

        // Stable (DOWN, as the last change left it) for less than the settle time: still silent.
        assertThat(state).isEqualTo(DOWN);
        advance(Duration.ofMinutes(4));
        assertThat(alerts).hasSize(6);
        // Settled: one alert with the state, which differs from the NORMAL the flapping alert named.
        advance(Duration.ofMinutes(1).plus(GROUP_WAIT));
        assertThat(policy.isFlapping(A)).isFalse();
        assertThat(alerts).hasSize(7);
        assertThat(alerts.get(6).kind()).isEqualTo(AlertKind.CHANGE);
        assertThat(alerts.get(6).changes().get(0).current()).isEqualTo(DOWN);
        advance(Duration.ofHours(1));
        assertThat(alerts).hasSize(7);
    }

    @Test
    void flappingTargetThatSettlesInTheAnnouncedStateSendsNothingMore() {
        change(A, null, NORMAL);
        for (int i = 0; i < 6; i++) {
            change(A, i % 2 == 0 ? NORMAL : SLOW, i % 2 == 0 ? SLOW : NORMAL);
            advance(Duration.ofSeconds(5)); // all inside one group wait: the flapping alert replaces the batch
        }
        assertThat(alerts).extracting(Alert::kind).containsExactly(AlertKind.FLAPPING);
        advance(Duration.ofHours(1));
        assertThat(alerts).hasSize(1);
        assertThat(policy.reportedState(A)).isEqualTo(NORMAL);
    }

    @Test
    void longRunOfIdenticalProbesSendsNothing() {
        change(A, null, NORMAL);
        for (int i = 0; i < 10_000; i++) {
            // The classifier only calls on a change; a monitor that calls anyway with the same state is harmless.
            policy.onStateChange(A, NORMAL, NORMAL, now, 1_000_000);
            advance(Duration.ofSeconds(10));
        }
        change(A, NORMAL, SLOW);
        for (int i = 0; i < 1000; i++) {
            policy.onStateChange(A, SLOW, SLOW, now, 150_000_000);
            advance(Duration.ofSeconds(10));
        }
        // ~2.8 h of SLOW probes: one change alert, no reminder yet (repeat 4 h), nothing per probe.
        assertThat(alerts).extracting(Alert::kind).containsExactly(AlertKind.CHANGE);
    }

    @Test
    void flushReleasesTheOpenBatchAtOnce() {
        change(A, null, DOWN);
        assertThat(policy.batchReleaseAt()).isEqualTo(now.plus(GROUP_WAIT));
        policy.flush(now);
        assertThat(alerts).extracting(Alert::kind).containsExactly(AlertKind.INITIAL);
        assertThat(policy.batchReleaseAt()).isNull();
    }

    @Test
    void throwingSinkDoesNotBreakThePolicy() {
        AlertPolicy p = new AlertPolicy(AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO), alert -> {
            throw new IllegalStateException("boom");
        });
        p.onStateChange(A, null, DOWN, now, -1);
        p.onStateChange(A, DOWN, NORMAL, now, 1);
        assertThat(p.alertsSent()).isEqualTo(2);
    }

    @Test
    void invalidConfigurationNamesTheValue() {
        AlertPolicy.Config d = AlertPolicy.Config.defaults();
        assertThatThrownBy(() -> d.withRepeat(Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("repeat").hasMessageContaining("PT0.01S");
        assertThatThrownBy(() -> d.withGroupWait(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("groupWait");
        assertThatThrownBy(() -> d.withFlapping(Duration.ofMinutes(1), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("flapThreshold").hasMessageContaining("2");
        assertThatThrownBy(() -> d.withFlapSettle(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("flapSettle");
        assertThat(d.withRepeat(Duration.ZERO).repeat()).isZero();
    }

    @Test
    void aRemovedTargetInAnAlertedProblemEndsItsAlertAndGetsNoReminder() {
        String b = "127.0.0.1:2";
        String c = "127.0.0.1:3";
        change(A, null, NORMAL);
        change(b, null, NORMAL);
        change(c, null, NORMAL);
        change(A, NORMAL, DOWN);
        change(b, NORMAL, SLOW);
        advance(GROUP_WAIT);
        assertThat(alerts).hasSize(1);

        change(c, NORMAL, DOWN); // waiting in a new batch when it is removed: nobody heard of it
        policy.remove(List.of(A, b, c, "never-seen"), now);
        assertThat(alerts).hasSize(2);
        Alert removed = alerts.get(1);
        assertThat(removed.kind()).isEqualTo(AlertKind.REMOVED);
        assertThat(removed.isProblem()).isFalse();
        assertThat(removed.changes()).extracting(TargetChange::target).containsExactly(A, b);
        assertThat(removed.changes()).extracting(TargetChange::current).containsExactly(DOWN, SLOW);
        assertThat(removed.subject()).isEqualTo("[loopwire] 2 targets no longer probed: 127.0.0.1:12345 DOWN, "
                + "127.0.0.1:2 SLOW");
        assertThat(removed.textBody()).contains("removed from the targets, no longer probed");
        assertThat(policy.batchReleaseAt()).as("the removed target's batch is gone with it").isNull();

        advance(AlertPolicy.Config.DEFAULT_REPEAT.plusMinutes(1));
        assertThat(alerts).as("no reminder, no batch for removed targets").hasSize(2);
        assertThat(policy.reportedState(A)).isNull();
    }

    @Test
    void aRemovedTargetThatWasFineGoesSilently() {
        change(A, null, NORMAL);
        policy.remove(List.of(A), now);
        change(A, null, DOWN); // added again later: a new start
        advance(GROUP_WAIT);
        assertThat(alerts).extracting(Alert::kind).containsExactly(AlertKind.INITIAL);
    }
}
