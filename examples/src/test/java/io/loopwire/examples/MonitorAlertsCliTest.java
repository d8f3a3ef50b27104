package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.PingEcho;
import io.loopwire.testkit.JsonValue;
import io.loopwire.testkit.PrometheusTools;
import io.loopwire.udp.UdpEndpoint;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code monitor --alertmanager URL --webhook URL} as a process, against Debian's real Alertmanager and a webhook
 * receiver in the test: a target with nothing listening is DOWN at start and shows in Alertmanager with the
 * {@code target} label set to its address; the receiver gets Alertmanager's v4 JSON; once an echo listens there the
 * alert leaves Alertmanager's active list and the receiver gets the resolved notification. Bad URLs are usage errors.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MonitorAlertsCliTest {

    @Test
    void downThenUpReachesAlertmanagerAndTheWebhook(@TempDir Path dir) throws Exception {
        int port;
        try (DatagramSocket free = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String target = "127.0.0.1:" + port;
        List<String> hooks = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        receiver.createContext("/hook", exchange -> {
            try (exchange) {
                hooks.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        receiver.start();
        try (PrometheusTools am = PrometheusTools.alertmanagerOrSkip(dir, """
                route:
                  receiver: none
                receivers:
                  - name: none
                """);
                JarProcess monitor = JarProcess.start("monitor", "--target", target, "--interval", "100ms",
                        "--timeout", "500ms", "--group-wait", "0s", "--alertmanager", am.url(),
                        "--external-url", "http://monitor.example:9100/",
                        "--webhook", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
                Reactor reactor = new Reactor("cli-alerts-echo").start()) {
            Poll.until(Duration.ofSeconds(30), () -> ourAlert(am, target) != null,
                    "the DOWN alert in Alertmanager; monitor: " + monitor.describe());
            assertThat(labels(ourAlert(am, target))).containsEntry("alertname", "LoopwireTargetDown")
                    .containsEntry("target", target).containsEntry("name", target).containsEntry("state", "DOWN")
                    .containsEntry("severity", "critical");
            assertThat(ourAlert(am, target).get("generatorURL")).isEqualTo("http://monitor.example:9100/");
            Poll.until(() -> !hooks.isEmpty(), "the webhook's firing notification");
            Map<String, Object> firing = JsonValue.object(hooks.get(0));
            assertThat(firing).containsEntry("version", "4").containsEntry("status", "firing")
                    .containsEntry("receiver", "loopwire")
                    .containsEntry("externalURL", "http://monitor.example:9100/");

            try {
                UdpEndpoint.builder(reactor).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                        .handler(new PingEcho()::answer).start(); // marks its replies, as an echo must
            } catch (BindException e) {
                Assumptions.abort("port " + port + " was taken meanwhile: " + e.getMessage());
            }
            Poll.until(Duration.ofSeconds(30), () -> ourAlert(am, target) == null,
                    "the alert resolved in Alertmanager; monitor: " + monitor.describe());
            Poll.until(() -> hooks.stream().anyMatch(h -> h.contains("\"status\":\"resolved\"")),
                    "the webhook's resolved notification; got " + hooks);
            assertThat(monitor.isAlive()).isTrue();
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void badUrlsAreUsageErrors() throws Exception {
        for (String[] args : List.of(new String[] {"--alertmanager", "ftp://host:9093"},
                new String[] {"--webhook", "not a url"}, new String[] {"--webhook", "http://user:pw@host/x"},
                new String[] {"--external-url", "http://monitor:9100/"})) {
            try (JarProcess monitor = JarProcess.start("monitor", "--target", "127.0.0.1:9", args[0], args[1])) {
                assertThat(monitor.awaitExit()).as(monitor.describe()).isEqualTo(2);
                String err = String.join("\n", monitor.stderr());
                assertThat(monitor.stderr().get(0)).as(err).startsWith("monitor: " + args[0]);
                assertThat(err).doesNotContain("pw@");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> ourAlert(PrometheusTools am, String target) throws IOException,
            InterruptedException {
        for (Object o : JsonValue.array(am.get("/api/v2/alerts?active=true"))) {
            Map<String, Object> a = (Map<String, Object>) o;
            if (target.equals(labels(a).get("name"))) {
                return a;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> labels(Map<String, Object> alert) {
        return (Map<String, Object>) alert.get("labels");
    }
}
