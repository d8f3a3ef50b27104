package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.alert.AlertPolicy;
import io.loopwire.alert.AlertingListener;
import io.loopwire.alert.EmailAlertSink;
import io.loopwire.alert.EmailConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6, case 9: alerts go to an SMTP server that accepts connections and never says a word, so the mail thread is
 * stuck in a read; probing keeps its cadence (measured at the echo, which sees every probe arrive).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CadenceWithStalledSmtpTest {
    private static final Duration INTERVAL = Duration.ofMillis(100);

    @Test
    void probingCadenceIsUnchangedWhileTheSmtpServerStalls() throws Exception {
        try (ServerSocket stalled = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                Reactor reactor = new Reactor("prober-test").start(); TestEcho echo = TestEcho.start()) {
            EmailAlertSink mail = new EmailAlertSink(EmailConfig.builder()
                    .host("127.0.0.1").port(stalled.getLocalPort())
                    .from("monitor@example.com").to("alerts@example.com")
                    .connectTimeout(Duration.ofSeconds(1)).readTimeout(Duration.ofSeconds(5))
                    .maxRetries(3).backoff(Duration.ofMillis(100), Duration.ofMillis(400))
                    .build());
            Recorder rec = new Recorder();
            AlertPolicy policy = new AlertPolicy(AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO)
                    .withRepeat(Duration.ZERO), mail);
            AlertingListener alerts = new AlertingListener(reactor, policy, rec);
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(echo.address()).interval(INTERVAL)
                    // Only answering or not moves the state here: a loopback reply is SLOW only past 250 ms. With
                    // a 100 ms threshold, two replies held up by a loaded CPU made a NORMAL -> SLOW -> NORMAL blip,
                    // an extra change to NORMAL that the steps below counted as the recovery they wait for.
                    .classifier(new ClassifierConfig(Duration.ofMillis(250), Duration.ofMillis(280),
                            Duration.ofMillis(300), 2, 2))
                    .listener(alerts).start();
            try {
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, Duration.ofSeconds(10)))
                        .as(() -> "NORMAL at first; rounds " + rec.rounds() + ", echo received " + echo.received())
                        .isTrue();
                long from = System.nanoTime();
                echo.answering(false);
                assertThat(rec.awaitChangeTo(LinkState.DOWN, Duration.ofSeconds(5))).isTrue();
                echo.answering(true);
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, 2, Duration.ofSeconds(5))).isTrue();
                echo.answering(false);
                assertThat(rec.awaitChangeTo(LinkState.DOWN, 2, Duration.ofSeconds(5))).isTrue();
                echo.answering(true);
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, 3, Duration.ofSeconds(5))).isTrue();
                // Keep measuring for a while with the mail thread still stuck in its first read (5 s).
                assertThat(rec.awaitRounds(rec.rounds().size() + 10, Duration.ofSeconds(5))).isTrue();
                long to = System.nanoTime();

                assertThat(mail.attempts()).as("the mail thread is trying").isPositive();
                assertThat(mail.sent()).as("and stuck: nothing accepted").isZero();
                assertThat(mail.pending()).as("4 alerts (2 DOWN, 2 recoveries) waiting or in flight")
                        .isGreaterThanOrEqualTo(3);

                List<Long> arrivals = echo.arrivals().stream().filter(t -> t >= from && t <= to).toList();
                double sumDev = 0;
                long maxDev = 0;
                for (int i = 1; i < arrivals.size(); i++) {
                    long dev = Math.abs(arrivals.get(i) - arrivals.get(i - 1) - INTERVAL.toNanos());
                    sumDev += dev;
                    maxDev = Math.max(maxDev, dev);
                }
                int gaps = arrivals.size() - 1;
                double meanInterval = (arrivals.get(gaps) - arrivals.get(0)) / 1e6 / gaps;
                System.out.printf("cadence with SMTP stalled (mail attempts %d, sent %d, pending %d): %d probes over "
                                + "%d ms, mean interval %.3f ms (nominal %d), deviation mean %.3f ms, max %.3f ms%n",
                        mail.attempts(), mail.sent(), mail.pending(), arrivals.size(), (to - from) / 1_000_000,
                        meanInterval, INTERVAL.toMillis(), sumDev / gaps / 1e6, maxDev / 1e6);
                assertThat(gaps).isGreaterThanOrEqualTo(15);
                assertThat(meanInterval).isBetween(95.0, 105.0);
                // A loop blocked by the mail would show a gap of the 5 s read timeout; allow scheduling noise.
                assertThat(maxDev).isLessThan(Duration.ofMillis(250).toNanos());
                assertThat(sumDev / gaps).isLessThan(Duration.ofMillis(25).toNanos());
            } finally {
                prober.close();
                reactor.call(() -> {
                    alerts.close();
                    return null;
                });
                mail.close(Duration.ofMillis(200));
            }
        }
    }
}
