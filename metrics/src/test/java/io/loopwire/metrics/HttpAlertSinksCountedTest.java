package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.alert.Alert;
import io.loopwire.alert.AlertKind;
import io.loopwire.alert.AlertmanagerSink;
import io.loopwire.alert.HttpAlertConfig;
import io.loopwire.alert.TargetChange;
import io.loopwire.alert.TargetLabels;
import io.loopwire.alert.WebhookAlertSink;
import io.loopwire.probe.LinkState;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Alertmanager and webhook sinks whose endpoint refuses connections: their retries and failures show in
 * {@code loopwire_alerts_total{sink,outcome}}, and the scrape stays strict Prometheus text.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpAlertSinksCountedTest {

    @Test
    void refusedDeliveriesAreCountedPerSinkAndOutcome() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // closed again at once: connections to it are refused
        }
        HttpAlertConfig config = HttpAlertConfig.builder("http://127.0.0.1:" + closedPort)
                .backoff(Duration.ofMillis(20), Duration.ofMillis(20)).maxRetries(2).build();
        AlertmanagerSink am = new AlertmanagerSink(config, TargetLabels.NONE);
        WebhookAlertSink hook = new WebhookAlertSink(config, TargetLabels.NONE, "loopwire");
        try {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new AlertMetrics(null, null).add("alertmanager", am).add("webhook", hook).bindTo(registry);
            Alert down = new Alert(AlertKind.CHANGE, List.of(new TargetChange("t", LinkState.NORMAL, LinkState.DOWN,
                    Instant.now(), -1, "no reply")), Instant.now());
            am.send(down);
            hook.send(down);
            Poll.until(() -> am.failed() == 1 && hook.failed() == 1, "both given up after their retries");

            PrometheusText text = PrometheusText.parse(registry.scrape());
            for (String sink : List.of("alertmanager", "webhook")) {
                assertThat(text.value("loopwire_alerts_total", Map.of("sink", sink, "outcome", "failed"))).isEqualTo(1);
                assertThat(text.value("loopwire_alerts_total", Map.of("sink", sink, "outcome", "retried")))
                        .isEqualTo(2);
                assertThat(text.value("loopwire_alerts_total", Map.of("sink", sink, "outcome", "sent"))).isZero();
                assertThat(text.value("loopwire_alerts_pending", Map.of("sink", sink))).isZero();
            }
            assertThat(text.value("loopwire_alertmanager_alerts_firing", Map.of())).isEqualTo(1);
            assertThat(text.value("loopwire_alertmanager_alerts_posted_total", Map.of())).isZero();
        } finally {
            am.close(Duration.ofMillis(200));
            hook.close(Duration.ofMillis(200));
        }
    }
}
