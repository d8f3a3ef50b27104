package io.loopwire.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link CertificatePolicy} with scripted time: one alert per change, never one per probe or tick. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CertificatePolicyTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final long DAY = 86_400_000L;

    private final List<Alert> sent = new ArrayList<>();
    private final AlertPolicy.Config config = AlertPolicy.Config.defaults().withZone(ZoneOffset.UTC)
            .withRepeat(Duration.ofHours(4));
    private final CertificatePolicy policy = new CertificatePolicy(config, Duration.ofDays(14), sent::add);

    @Test
    void aValidCertificateIsSilentUntilTimeBringsItIntoTheWindowThenRenewalResolves() {
        long notAfter = T0.toEpochMilli() + 20 * DAY;
        policy.onCertificate("web", notAfter, null, T0);
        for (int s = 1; s < 3600; s++) {
            policy.tick(T0.plusSeconds(s));
        }
        assertThat(sent).isEmpty();
        Instant inWindow = Instant.ofEpochMilli(notAfter - 14 * DAY + 1000);
        policy.tick(inWindow);
        policy.tick(inWindow.plusSeconds(1));
        policy.onCertificate("web", notAfter, null, inWindow.plusSeconds(2)); // the same certificate seen again
        assertThat(sent).hasSize(1);
        CertificateChange raised = sent.get(0).certificates().get(0);
        assertThat(sent.get(0).kind()).isEqualTo(AlertKind.CERTIFICATE);
        assertThat(raised.previous()).isEqualTo(CertificateState.VALID);
        assertThat(raised.current()).isEqualTo(CertificateState.EXPIRING);
        assertThat(raised.notAfter()).isEqualTo(Instant.ofEpochMilli(notAfter));
        assertThat(sent.get(0).subject()).isEqualTo("[loopwire] certificate of web expires "
                + Instant.ofEpochMilli(notAfter) + " (in 13 days, warning at 14)");

        long renewed = notAfter + 90 * DAY;
        policy.onCertificate("web", renewed, null, inWindow.plusSeconds(60));
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).certificates().get(0).current()).isEqualTo(CertificateState.VALID);
        assertThat(sent.get(1).subject()).startsWith("[loopwire] certificate of web is valid until ");
        assertThat(sent.get(1).isProblem()).isFalse();
    }

    @Test
    void anInvalidCertificateAtStartIsAlertedWithItsReasonAndRemindedEveryRepeat() {
        policy.onCertificate("db", T0.toEpochMilli() + 100 * DAY, "wrong host name: No name matching db", T0);
        assertThat(sent).hasSize(1);
        CertificateChange c = sent.get(0).certificates().get(0);
        assertThat(c.previous()).isNull();
        assertThat(c.current()).isEqualTo(CertificateState.INVALID);
        assertThat(c.reason()).startsWith("wrong host name");
        assertThat(sent.get(0).textBody()).contains("db  certificate (start) -> INVALID").contains("wrong host name");
        for (int s = 1; s <= 4 * 3600; s++) {
            policy.tick(T0.plusSeconds(s));
        }
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).kind()).isEqualTo(AlertKind.REMINDER);
        assertThat(sent.get(1).certificates().get(0).at()).isEqualTo(T0);
    }

    @Test
    void expiringThenExpiredIsTwoAlertsAndNoMore() {
        long notAfter = T0.toEpochMilli() + 3 * DAY;
        policy.onCertificate("api", notAfter, null, T0);
        policy.onCertificate("api", notAfter, "expired: on " + Instant.ofEpochMilli(notAfter),
                Instant.ofEpochMilli(notAfter + 1000));
        policy.tick(Instant.ofEpochMilli(notAfter + 2000));
        assertThat(sent).extracting(a -> a.certificates().get(0).current())
                .containsExactly(CertificateState.EXPIRING, CertificateState.INVALID);
    }

    @Test
    void aCertificateThatAlternatesIsAnnouncedOnceAsFlappingThenHeld() {
        long good = T0.toEpochMilli() + 300 * DAY;
        policy.onCertificate("lb", good, null, T0);
        Instant t = T0;
        for (int i = 0; i < 40; i++) {
            t = t.plusSeconds(5);
            policy.onCertificate("lb", good, i % 2 == 0 ? "not trusted: old chain" : null, t);
        }
        // Changes 1..5 are alerted, the 6th within the window starts flapping; the 34 after it are held.
        assertThat(sent).hasSize(config.flapThreshold());
        assertThat(sent.get(sent.size() - 1).kind()).isEqualTo(AlertKind.FLAPPING);
        int before = sent.size();
        for (int s = 1; s < 299; s++) {
            policy.tick(t.plusSeconds(s));
        }
        assertThat(sent).hasSize(before);
        policy.tick(t.plus(config.flapSettle()));
        assertThat(sent.size()).isLessThanOrEqualTo(before + 1); // settled: at most one alert, if the state differs
    }

    @Test
    void aRemovedTargetsCertificateAlertEndsWithoutReminders() {
        policy.onCertificate("db", T0.toEpochMilli() + 100 * DAY, "wrong host name: No name matching db", T0);
        policy.onCertificate("web", T0.toEpochMilli() + 100 * DAY, null, T0);
        assertThat(sent).hasSize(1);
        policy.remove("web", T0.plusSeconds(5));
        assertThat(sent).as("a fine certificate goes silently").hasSize(1);
        policy.remove("db", T0.plusSeconds(5));
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).kind()).isEqualTo(AlertKind.REMOVED);
        assertThat(sent.get(1).isProblem()).isFalse();
        assertThat(sent.get(1).subject())
                .isEqualTo("[loopwire] certificate of db is no longer checked: its target was removed from the targets");
        for (int m = 1; m <= 5 * 60; m++) {
            policy.tick(T0.plusSeconds(60L * m));
        }
        assertThat(sent).as("no reminder for a removed target").hasSize(2);
    }
}
