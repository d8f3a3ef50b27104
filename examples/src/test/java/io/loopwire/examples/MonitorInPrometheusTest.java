package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.testkit.JsonValue;
import io.loopwire.testkit.PrometheusTools;
import io.loopwire.udp.UdpEndpoint;
import io.loopwire.wire.ProbePacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's real Prometheus scrapes {@code monitor --http-port}: after a few scrapes a PromQL query through its HTTP API
 * gives the target's median RTT within 20 % of what the monitor's own {@code /api/targets} says.
 *
 * <p>The echo holds every reply 40 ms, so all RTTs fall in one bucket of {@code loopwire_probe_rtt_seconds}
 * (25.6 ms to 51.2 ms, the buckets double), where {@code histogram_quantile} interpolates the median to 38.4 ms. So
 * this checks the path (scrape, names, labels, units, rates), not the bucket layout: with doubling buckets an
 * interpolated quantile can be off by up to half a bucket in general (docs/prometheus says so). The mean, from
 * {@code _sum / _count}, is checked to be of the same size.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MonitorInPrometheusTest {
    private static final Duration HOLD = Duration.ofMillis(40);

    @Test
    void promqlMedianMatchesTheMonitorsOwnFigure(@TempDir Path dir) throws Exception {
        try (Reactor reactor = new Reactor("delayed-echo").start()) {
            InetSocketAddress echo = UdpEndpoint.builder(reactor)
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .handler((ep, sender, data) -> {
                        ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
                        if (ProbePacket.isProbe(copy)) {
                            ProbePacket.markReply(copy); // an echo marks its replies (a bare reflection is foreign)
                        }
                        reactor.schedule(HOLD, () -> ep.send(sender, copy));
                    }).start().localAddress();
            String target = "127.0.0.1:" + echo.getPort();
            try (JarProcess monitor = JarProcess.start("monitor", "--target", target, "--interval", "100ms",
                    "--http-port", "0")) {
                String http = monitor.awaitLine("the http line", l -> l.startsWith("http=")).substring(5);
                try (PrometheusTools prometheus = PrometheusTools.prometheusOrSkip(dir, """
                        global:
                          scrape_interval: 1s
                        scrape_configs:
                          - job_name: loopwire-monitor
                            static_configs:
                              - targets: ["%s"]
                        """.formatted(http))) {
                    String selector = "{job=\"loopwire-monitor\",target=\"" + target + "\"}";
                    String median = "histogram_quantile(0.5, sum by (le) (rate(loopwire_probe_rtt_seconds_bucket"
                            + selector + "[20s])))";
                    String mean = "sum(rate(loopwire_probe_rtt_seconds_sum" + selector + "[20s])) / "
                            + "sum(rate(loopwire_probe_rtt_seconds_count" + selector + "[20s]))";
                    // A few scrapes first: rate() needs two samples, and more make the figures steady.
                    Poll.until(Duration.ofSeconds(60), () -> scrapes(prometheus) >= 8,
                            "8 scrapes of the monitor; Prometheus log: " + prometheus.logTail());
                    AtomicReference<Double> promMedian = new AtomicReference<>();
                    Poll.until(Duration.ofSeconds(30), () -> {
                        promMedian.set(query(prometheus, median));
                        return promMedian.get() != null && !promMedian.get().isNaN();
                    }, "a median from Prometheus");
                    double promMeanMs = query(prometheus, mean) * 1000;
                    double promMedianMs = promMedian.get() * 1000;
                    double ownMedianMs = ownMedianMs(http, target);

                    System.out.printf("Prometheus vs the monitor: PromQL median %.2f ms, mean %.2f ms; "
                            + "/api/targets p50 %.2f ms (echo holds replies %d ms)%n", promMedianMs, promMeanMs,
                            ownMedianMs, HOLD.toMillis());
                    assertThat(ownMedianMs).as("the echo's hold shows in the monitor's own figure")
                            .isBetween(40.0, 60.0);
                    assertThat(promMedianMs).as("PromQL median within 20 % of /api/targets p50")
                            .isBetween(ownMedianMs * 0.8, ownMedianMs * 1.2);
                    // The mean is exact (sum / count) but not a median: a stall of this shared machine drags it
                    // up, so it only has to be of the same size.
                    assertThat(promMeanMs).as("PromQL mean near /api/targets p50")
                            .isBetween(ownMedianMs * 0.8, ownMedianMs * 1.5);
                }
            }
        }
    }

    /** How many times Prometheus scraped the monitor successfully (count of {@code up == 1} samples). */
    private static double scrapes(PrometheusTools prometheus) throws Exception {
        Double n = query(prometheus, "count_over_time(up{job=\"loopwire-monitor\"}[5m])");
        Double up = query(prometheus, "up{job=\"loopwire-monitor\"}");
        return n == null || up == null || up != 1.0 ? 0 : n;
    }

    /** The value of an instant query with one result, or null if it has none. */
    @SuppressWarnings("unchecked")
    private static Double query(PrometheusTools prometheus, String promql) throws Exception {
        Map<String, Object> answer = JsonValue.object(prometheus.get("/api/v1/query?query="
                + PrometheusTools.encode(promql)));
        assertThat(answer.get("status")).as(promql).isEqualTo("success");
        List<Object> result = (List<Object>) ((Map<String, Object>) answer.get("data")).get("result");
        if (result.isEmpty()) {
            return null;
        }
        assertThat(result).as(promql).hasSize(1);
        List<Object> value = (List<Object>) ((Map<String, Object>) result.get(0)).get("value");
        return Double.valueOf((String) value.get(1));
    }

    @SuppressWarnings("unchecked")
    private static double ownMedianMs(String http, String target) throws Exception {
        String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + http + "/api/targets")).timeout(Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        for (Object o : JsonValue.array(body)) {
            Map<String, Object> t = (Map<String, Object>) o;
            if (target.equals(t.get("name"))) {
                return (Double) t.get("p50_rtt_ms");
            }
        }
        throw new AssertionError("no " + target + " in /api/targets: " + body);
    }
}
