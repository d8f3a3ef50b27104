package io.loopwire.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.probe.LinkState;
import io.loopwire.testkit.JsonValue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a webhook receiver gets: Alertmanager's version 4 notification, one per alert of the policy, with our labels,
 * a resolved alert that keeps the start of the alert it ends, and names that need JSON escaping arriving intact.
 */
@Timeout(30)
class WebhookShapeTest {
    /** A name with every kind of character a careless writer breaks on. */
    private static final String NAME = "db \"primary\"\\\n\t<b>é\u2028\u0001";

    @Test
    void firingThenResolvedArriveAsAlertmanagerV4Notifications() throws Exception {
        try (HookReceiver hook = new HookReceiver(HookReceiver.Mode.OK)) {
            WebhookAlertSink sink = new WebhookAlertSink(HttpAlertConfig.builder(hook.url("/hook"))
                    .externalUrl("http://monitor.example/").build(),
                    name -> Map.of("target", "10.0.0.7:12345", "team", "net", "bad-name", "dropped"), "loopwire");
            AlertPolicy policy = new AlertPolicy(AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO), sink);
            Instant t0 = Instant.parse("2026-12-06T06:00:00Z");
            policy.onStateChange(NAME, null, LinkState.NORMAL, t0, 1_000_000);
            policy.onStateChange(NAME, LinkState.NORMAL, LinkState.DOWN, t0.plusSeconds(10), -1);
            policy.onStateChange(NAME, LinkState.DOWN, LinkState.NORMAL, t0.plusSeconds(70), 2_000_000);
            Poll.until(() -> hook.bodies().size() == 2, "two notifications");
            sink.close(Duration.ofSeconds(2));

            Map<String, Object> firing = JsonValue.object(hook.bodies().get(0));
            assertThat(firing).containsEntry("version", "4").containsEntry("status", "firing")
                    .containsEntry("receiver", "loopwire").containsEntry("groupKey", "{}:{}")
                    .containsEntry("truncatedAlerts", 0.0).containsEntry("groupLabels", Map.of())
                    .containsEntry("externalURL", "http://monitor.example/");
            Map<String, Object> a = only(firing);
            assertThat(a).containsEntry("status", "firing").containsEntry("startsAt", "2026-12-06T06:00:10Z")
                    .containsEntry("endsAt", "0001-01-01T00:00:00Z")
                    .containsEntry("generatorURL", "http://monitor.example/");
            assertThat(a.get("labels")).isEqualTo(Map.of("alertname", "LoopwireTargetDown", "name", NAME,
                    "target", "10.0.0.7:12345", "state", "DOWN", "severity", "critical", "team", "net"));
            assertThat(firing.get("commonLabels")).isEqualTo(a.get("labels"));
            @SuppressWarnings("unchecked")
            Map<String, Object> notes = (Map<String, Object>) a.get("annotations");
            assertThat(notes.get("summary")).isEqualTo(NAME + " is DOWN");
            assertThat((String) a.get("fingerprint")).matches("[0-9a-f]{16}");

            Map<String, Object> resolved = JsonValue.object(hook.bodies().get(1));
            assertThat(resolved).containsEntry("status", "resolved");
            Map<String, Object> r = only(resolved);
            assertThat(r).containsEntry("status", "resolved").containsEntry("startsAt", "2026-12-06T06:00:10Z")
                    .containsEntry("endsAt", "2026-12-06T06:01:10Z").containsEntry("labels", a.get("labels"))
                    .containsEntry("fingerprint", a.get("fingerprint"));
            assertThat(sink.sent()).isEqualTo(2);
        }
    }

    @Test
    void aMoveBetweenProblemStatesResolvesTheOldAlertAndFiresTheNewOneInOneNotification() throws Exception {
        try (HookReceiver hook = new HookReceiver(HookReceiver.Mode.OK)) {
            WebhookAlertSink sink = new WebhookAlertSink(HttpAlertConfig.builder(hook.url("/")).build(),
                    TargetLabels.NONE, "loopwire");
            AlertPolicy policy = new AlertPolicy(AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO), sink);
            Instant t0 = Instant.parse("2026-12-06T06:00:00Z");
            policy.onStateChange("a", null, LinkState.SLOW, t0, 150_000_000);
            policy.onStateChange("a", LinkState.SLOW, LinkState.DOWN, t0.plusSeconds(30), -1);
            Poll.until(() -> hook.bodies().size() == 2, "two notifications");
            sink.close(Duration.ofSeconds(2));

            @SuppressWarnings("unchecked")
            List<Map<String, Object>> alerts = (List<Map<String, Object>>) (List<?>) JsonValue
                    .object(hook.bodies().get(1)).get("alerts");
            assertThat(alerts).extracting(x -> x.get("status")).containsExactly("resolved", "firing");
            assertThat(alerts).extracting(x -> (Object) ((Map<?, ?>) x.get("labels")).get("alertname"))
                    .containsExactly("LoopwireTargetSlow", "LoopwireTargetDown");
            assertThat(alerts.get(0).get("endsAt")).isEqualTo("2026-12-06T06:00:30Z");
            assertThat(((Map<?, ?>) alerts.get(0).get("labels")).get("target")).as("no labels given: target = name")
                    .isEqualTo("a");
            assertThat(JsonValue.object(hook.bodies().get(1))).containsEntry("status", "firing")
                    .containsEntry("commonLabels", Map.of("name", "a", "target", "a"));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> only(Map<String, Object> notification) {
        List<Object> alerts = (List<Object>) notification.get("alerts");
        assertThat(alerts).hasSize(1);
        return (Map<String, Object>) alerts.get(0);
    }
}
