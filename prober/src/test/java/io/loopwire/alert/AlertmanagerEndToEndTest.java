package io.loopwire.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.probe.ClassifierConfig;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeKind;
import io.loopwire.probe.Recorder;
import io.loopwire.probe.TargetSpec;
import io.loopwire.probe.TestEcho;
import io.loopwire.testkit.JsonValue;
import io.loopwire.testkit.PrometheusTools;
import io.loopwire.wire.PeerName;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end against Debian's real Alertmanager: prober, policy (no group wait), {@link AlertmanagerSink}. The
 * target's echo closes: a {@code LoopwireTargetDown} alert with our labels appears in Alertmanager's
 * {@code GET /api/v2/alerts}, and is kept there by re-sends; the echo comes back: the alert leaves the active list and
 * Alertmanager itself notifies its webhook receiver that it is resolved; down again: active again, and stays so.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AlertmanagerEndToEndTest {

    @Test
    void downTargetFiresInAlertmanagerAndIsResolvedAfterRecovery(@TempDir Path dir) throws Exception {
        try (HookReceiver amHook = new HookReceiver(HookReceiver.Mode.OK);
                PrometheusTools am = PrometheusTools.alertmanagerOrSkip(dir, """
                        route:
                          receiver: hook
                          group_by: [alertname, name]
                          group_wait: 0s
                          group_interval: 1s
                          repeat_interval: 1h
                        receivers:
                          - name: hook
                            webhook_configs:
                              - url: %s
                                send_resolved: true
                        """.formatted(amHook.url("/from-alertmanager")));
                Reactor reactor = new Reactor("am-test").start();
                TestEcho echo = TestEcho.start()) {
            String address = PeerName.of(echo.address());
            AlertmanagerSink sink = new AlertmanagerSink(HttpAlertConfig.builder(am.url())
                    .resendInterval(Duration.ofSeconds(1))
                    .backoff(Duration.ofMillis(100), Duration.ofMillis(500))
                    .externalUrl("http://monitor.example:9100/")
                    .build(), name -> Map.of("target", address, "site", "lab \"one\""));
            Recorder rec = new Recorder();
            AlertPolicy policy = new AlertPolicy(AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO), sink);
            AlertingListener alerts = new AlertingListener(reactor, policy, rec);
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target("echo-1", echo.address()).interval(Duration.ofMillis(100))
                    .classifier(new ClassifierConfig(Duration.ofMillis(100), Duration.ofMillis(200),
                            Duration.ofMillis(300), 3, 2))
                    .listener(alerts).start();
            try {
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, Duration.ofSeconds(10))).isTrue();
                echo.closeSocket();
                assertThat(rec.awaitChangeTo(LinkState.DOWN, Duration.ofSeconds(10))).isTrue();
                Instant downAt = Instant.now();

                AtomicReference<Map<String, Object>> found = new AtomicReference<>();
                Poll.until(Duration.ofSeconds(20), () -> {
                    found.set(ourAlert(am));
                    return found.get() != null;
                }, "a LoopwireTargetDown alert in Alertmanager; its log: " + am.logTail());
                long visibleMs = Duration.between(downAt, Instant.now()).toMillis();
                Map<String, Object> alert = found.get();
                assertThat(labels(alert)).containsEntry("alertname", "LoopwireTargetDown")
                        .containsEntry("name", "echo-1").containsEntry("target", address)
                        .containsEntry("state", "DOWN").containsEntry("severity", "critical")
                        .containsEntry("site", "lab \"one\"");
                @SuppressWarnings("unchecked")
                Map<String, Object> notes = (Map<String, Object>) alert.get("annotations");
                assertThat(notes.get("summary")).isEqualTo("echo-1 is DOWN");
                assertThat((String) notes.get("description")).contains(address).contains("no reply");
                assertThat(alert.get("generatorURL")).isEqualTo("http://monitor.example:9100/");
                @SuppressWarnings("unchecked")
                Map<String, String> asStrings = (Map<String, String>) (Map<?, ?>) labels(alert);
                assertThat(new PushedAlert("echo-1", LinkState.DOWN, PushedAlert.sorted(asStrings),
                        PushedAlert.sorted(Map.of()), downAt, null).fingerprint())
                        .as("our webhook fingerprint is Alertmanager's").isEqualTo(alert.get("fingerprint"));
                Instant endsAt = Instant.parse((String) alert.get("endsAt"));
                assertThat(endsAt).as("a firing alert ends in the future until re-sent").isAfter(Instant.now());

                // Re-sent while firing: Alertmanager sees newer updates and a later endsAt.
                long pushes = sink.sent();
                Poll.until(Duration.ofSeconds(10), () -> sink.sent() >= pushes + 2, "two re-sends");
                Poll.until(Duration.ofSeconds(10), () -> {
                    Map<String, Object> again = ourAlert(am);
                    return again != null && Instant.parse((String) again.get("endsAt")).isAfter(endsAt);
                }, "a later endsAt after the re-sends");
                Poll.until(Duration.ofSeconds(10), () -> amHook.bodies().stream()
                        .anyMatch(b -> b.contains("\"status\":\"firing\"") && b.contains("LoopwireTargetDown")),
                        "Alertmanager's own firing notification");
                // Our webhook's JSON has the fields of the one Alertmanager itself just sent.
                Map<String, Object> theirs = JsonValue.object(amHook.bodies().get(0));
                Map<String, Object> ours = JsonValue.object(WebhookAlertSink.json(List.of(new PushedAlert("echo-1",
                        LinkState.DOWN, PushedAlert.sorted(asStrings), PushedAlert.sorted(Map.of()), downAt, null)),
                        "loopwire", ""));
                assertThat(ours.keySet()).containsExactlyInAnyOrderElementsOf(theirs.keySet());
                assertThat(firstAlert(ours).keySet()).containsExactlyInAnyOrderElementsOf(firstAlert(theirs).keySet());
                assertThat(theirs.get("version")).isEqualTo(WebhookAlertSink.VERSION);

                try {
                    echo.reopen();
                } catch (BindException e) {
                    Assumptions.abort("port " + echo.address() + " was taken while closed: " + e.getMessage());
                }
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, 2, Duration.ofSeconds(10))).isTrue();
                Instant upAt = Instant.now();
                Poll.until(Duration.ofSeconds(20), () -> ourAlert(am) == null, "the alert gone from the active list");
                long goneMs = Duration.between(upAt, Instant.now()).toMillis();
                Poll.until(Duration.ofSeconds(20), () -> resolvedNotice(amHook) != null,
                        "Alertmanager's resolved notification; received " + amHook.bodies());
                Map<String, Object> resolved = resolvedNotice(amHook);
                Instant resolvedEnd = Instant.parse((String) resolved.get("endsAt"));
                assertThat(resolvedEnd).isBetween(downAt, Instant.now());

                // Down again while the resolution is still re-sent: the new alert must stay active through re-sends
                // (a resolution of the same labels in the same push would end it in Alertmanager).
                echo.closeSocket();
                assertThat(rec.awaitChangeTo(LinkState.DOWN, 2, Duration.ofSeconds(10))).isTrue();
                Poll.until(Duration.ofSeconds(20), () -> ourAlert(am) != null, "the second DOWN alert");
                long again = sink.sent();
                Poll.until(Duration.ofSeconds(10), () -> sink.sent() >= again + 2, "two re-sends");
                assertThat(ourAlert(am)).as("still active after re-sends").isNotNull();
                assertThat(sink.failed() + sink.dropped()).isZero();
                System.out.printf("Alertmanager end to end: DOWN visible in AM %d ms after the change, gone %d ms "
                        + "after recovery; %d pushes carrying %d alerts%n", visibleMs, goneMs, sink.sent(),
                        sink.alertsPosted());
            } finally {
                AlertingStop.stop(prober, reactor, alerts, sink);
            }
        }
    }

    /**
     * A DOWN target taken out of the targets: its alert leaves Alertmanager's active list at once (resolved, not left
     * to expire) and is not re-sent as firing; the target still probed keeps its state.
     */
    @Test
    void aRemovedDownTargetsAlertIsResolvedInAlertmanager(@TempDir Path dir) throws Exception {
        try (HookReceiver amHook = new HookReceiver(HookReceiver.Mode.OK);
                PrometheusTools am = PrometheusTools.alertmanagerOrSkip(dir, """
                        route:
                          receiver: hook
                        receivers:
                          - name: hook
                            webhook_configs:
                              - url: %s
                        """.formatted(amHook.url("/from-alertmanager")));
                Reactor reactor = new Reactor("am-removed-test").start();
                TestEcho gone = TestEcho.start();
                TestEcho kept = TestEcho.start()) {
            AlertmanagerSink sink = new AlertmanagerSink(HttpAlertConfig.builder(am.url())
                    .resendInterval(Duration.ofMillis(500)).backoff(Duration.ofMillis(100), Duration.ofMillis(500))
                    .build(), name -> Map.of());
            Recorder rec = new Recorder();
            AlertPolicy policy = new AlertPolicy(AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO), sink);
            AlertingListener alerts = new AlertingListener(reactor, policy, rec);
            TargetSpec keep = new TargetSpec("kept", ProbeKind.UDP, kept.address());
            LatencyProber prober = LatencyProber.builder(reactor).target(new TargetSpec("echo-1", ProbeKind.UDP,
                    gone.address())).target(keep).interval(Duration.ofMillis(100))
                    .classifier(new ClassifierConfig(Duration.ofMillis(100), Duration.ofMillis(200),
                            Duration.ofMillis(300), 3, 2))
                    .listener(alerts).start();
            try {
                gone.closeSocket();
                Poll.until(Duration.ofSeconds(20), () -> ourAlert(am) != null,
                        "echo-1's DOWN alert in Alertmanager; its log: " + am.logTail());

                prober.replaceTargets(List.of(keep));
                Instant removedAt = Instant.now();
                Poll.until(Duration.ofSeconds(20), () -> ourAlert(am) == null, "the alert gone from the active list");
                long goneMs = Duration.between(removedAt, Instant.now()).toMillis();
                long pushes = sink.sent();
                Poll.until(Duration.ofSeconds(10), () -> sink.sent() >= pushes + 2, "two re-sends");
                assertThat(ourAlert(am)).as("not fired again by the re-sends").isNull();
                assertThat(reactor.call(() -> policy.reportedState("kept"))).isEqualTo(LinkState.NORMAL);
                assertThat(reactor.call(() -> policy.reportedState("echo-1"))).isNull();
                assertThat(sink.failed() + sink.dropped()).isZero();
                System.out.printf("Alertmanager, removed target: its alert left the active list %d ms after the "
                        + "removal%n", goneMs);
            } finally {
                AlertingStop.stop(prober, reactor, alerts, sink);
            }
        }
    }

    /** Our DOWN alert among Alertmanager's active alerts, or null. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> ourAlert(PrometheusTools am) throws Exception {
        List<Object> all = JsonValue.array(am.get("/api/v2/alerts?active=true&silenced=false&inhibited=false"));
        for (Object o : all) {
            Map<String, Object> a = (Map<String, Object>) o;
            if ("LoopwireTargetDown".equals(labels(a).get("alertname")) && "echo-1".equals(labels(a).get("name"))) {
                return a;
            }
        }
        return null;
    }

    /** The first resolved LoopwireTargetDown alert Alertmanager sent its webhook, or null. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> resolvedNotice(HookReceiver hook) {
        for (String body : hook.bodies()) {
            for (Object o : (List<Object>) JsonValue.object(body).get("alerts")) {
                Map<String, Object> a = (Map<String, Object>) o;
                if ("resolved".equals(a.get("status")) && "LoopwireTargetDown".equals(labels(a).get("alertname"))) {
                    return a;
                }
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstAlert(Map<String, Object> notification) {
        return (Map<String, Object>) ((List<Object>) notification.get("alerts")).get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> labels(Map<String, Object> alert) {
        return (Map<String, Object>) alert.get("labels");
    }
}
