package io.loopwire.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.probe.LinkState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What Alertmanager is told in each push: one alert per target in trouble, resolutions kept for the retention, and
 * never a kept resolution beside a firing alert with the same labels (Alertmanager would let the later one in the
 * array win, resolving the fresh alert).
 */
@Timeout(10)
class ActiveAlertsTest {
    private static final Instant T0 = Instant.parse("2026-12-06T06:00:00Z");

    private static Alert alert(String target, LinkState from, LinkState to, int second) {
        return new Alert(to.isProblem() ? AlertKind.CHANGE : AlertKind.RECOVERY,
                List.of(new TargetChange(target, from, to, T0.plusSeconds(second), -1, "")), T0.plusSeconds(second));
    }

    @Test
    void downAgainWithinTheRetentionSendsOnlyTheFiringAlert() {
        ActiveAlerts active = new ActiveAlerts(TargetLabels.NONE, Duration.ofMinutes(15), 100);
        active.apply(alert("a", LinkState.NORMAL, LinkState.DOWN, 0));
        active.apply(alert("a", LinkState.DOWN, LinkState.NORMAL, 60));
        assertThat(active.snapshot(T0.plusSeconds(61))).singleElement()
                .satisfies(x -> assertThat(x.firing()).isFalse());
        active.apply(alert("a", LinkState.NORMAL, LinkState.DOWN, 120));
        List<PushedAlert> push = active.snapshot(T0.plusSeconds(121));
        assertThat(push).singleElement().satisfies(x -> {
            assertThat(x.firing()).isTrue();
            assertThat(x.startsAt()).isEqualTo(T0.plusSeconds(120));
        });
    }

    @Test
    void resolutionsAreKeptForTheRetentionThenForgotten() {
        ActiveAlerts active = new ActiveAlerts(TargetLabels.NONE, Duration.ofMinutes(15), 100);
        active.apply(alert("a", LinkState.NORMAL, LinkState.SLOW, 0));
        active.apply(alert("a", LinkState.SLOW, LinkState.DOWN, 10));
        assertThat(active.snapshot(T0.plusSeconds(11))).extracting(x -> x.labels().get("alertname") + " "
                + (x.firing() ? "firing" : "resolved"))
                .containsExactly("LoopwireTargetDown firing", "LoopwireTargetSlow resolved");
        assertThat(active.snapshot(T0.plusSeconds(10).plus(Duration.ofMinutes(16)))).singleElement()
                .satisfies(x -> assertThat(x.firing()).isTrue());
        active.apply(alert("a", LinkState.DOWN, LinkState.NORMAL, 2000));
        assertThat(active.firingCount()).isZero();
        assertThat(active.snapshot(T0.plusSeconds(2000).plus(Duration.ofMinutes(16)))).isEmpty();
        assertThat(active.isEmpty()).isTrue();
    }

    @Test
    void resolvedAlertsAreBoundedInNumber() {
        ActiveAlerts active = new ActiveAlerts(TargetLabels.NONE, Duration.ofMinutes(15), 3);
        for (int i = 0; i < 10; i++) {
            active.apply(alert("t" + i, LinkState.NORMAL, LinkState.DOWN, i));
            active.apply(alert("t" + i, LinkState.DOWN, LinkState.NORMAL, i + 1));
        }
        assertThat(active.snapshot(T0.plusSeconds(20))).extracting(PushedAlert::target)
                .containsExactly("t7", "t8", "t9");
    }

    @Test
    void aRemovedTargetsAlertsAreResolvedLinkAndCertificateBoth() {
        ActiveAlerts active = new ActiveAlerts(TargetLabels.NONE, Duration.ofMinutes(15), 100);
        active.apply(alert("a", LinkState.NORMAL, LinkState.DOWN, 0));
        active.apply(alert("b", LinkState.NORMAL, LinkState.SLOW, 0));
        active.apply(Alert.certificate(AlertKind.CERTIFICATE, new CertificateChange("a", CertificateState.VALID,
                CertificateState.INVALID, T0, null, "expired", "is INVALID"), T0, java.time.ZoneOffset.UTC));
        assertThat(active.firingCount()).isEqualTo(3);

        Instant gone = T0.plusSeconds(30);
        List<PushedAlert> changed = active.apply(new Alert(AlertKind.REMOVED,
                List.of(new TargetChange("a", LinkState.DOWN, LinkState.DOWN, gone, -1, "removed")), gone));
        assertThat(changed).singleElement().satisfies(x -> {
            assertThat(x.firing()).isFalse();
            assertThat(x.endsAt()).isEqualTo(gone);
            assertThat(x.annotations().get("description")).contains("removed");
        });
        changed = active.apply(Alert.certificate(AlertKind.REMOVED, new CertificateChange("a",
                CertificateState.INVALID, CertificateState.INVALID, gone, null, "", "is no longer checked"), gone,
                java.time.ZoneOffset.UTC));
        assertThat(changed).singleElement().satisfies(x -> assertThat(x.firing()).isFalse());
        assertThat(active.firingCount()).as("b still fires").isEqualTo(1);
        assertThat(active.snapshot(gone)).filteredOn(PushedAlert::firing).singleElement()
                .satisfies(x -> assertThat(x.labels()).containsEntry("name", "b"));
    }
}
