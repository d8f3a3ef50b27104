package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.Poll;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.ProbeKind;
import io.loopwire.probe.TargetSpec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@code tcp://} target (the chat server's TCP listener) has blackbox-style
 * {@code loopwire_probe_tcp_connect_seconds} and no smokeping series; its kind and labels are exported as info series; when the targets are replaced, the removed
 * target's series disappear from the scrape and the new one's appear, and the scrape stays valid exposition.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpTargetsAndReloadMetricsTest {

    @Test
    void tcpConnectHistogramLabelsAndReplacedTargets() throws Exception {
        try (Rig rig = new Rig()) {
            ProberMetrics metrics = new ProberMetrics(rig.sampler);
            InetSocketAddress tcp = new InetSocketAddress("127.0.0.1", rig.server.tcpAddress().getPort());
            InetSocketAddress udp = new InetSocketAddress("127.0.0.1", rig.server.udpAddress().getPort());
            LatencyProber prober = LatencyProber.builder(rig.reactor)
                    .target(new TargetSpec("db", ProbeKind.TCP, tcp, Map.of("team", "core")))
                    .target(new TargetSpec("echo", ProbeKind.UDP, udp))
                    .interval(Duration.ofMillis(20)).listener(metrics).start();
            metrics.watch(prober).bindTo(rig.registry);
            rig.start();
            Map<String, String> db = Rig.labels("target", "db");
            Poll.until(() -> rig.scrape().value("loopwire_probe_replies_total", db) >= 5, "5 connects to db");
            PrometheusText scrape = rig.scrape();
            double replies = scrape.value("loopwire_probe_replies_total", db);
            assertThat(scrape.value("loopwire_probe_tcp_connect_seconds_count", db))
                    .isBetween(replies - 1, replies + 1);
            assertThat(scrape.value("loopwire_probe_tcp_connect_seconds_bucket", Rig.labels("target", "db", "le",
                    "+Inf"))).isPositive();
            assertThat(scrape.value("loopwire_probe_target_info", Rig.labels("target", "db", "kind", "tcp",
                    "ip", "127.0.0.1"))).isEqualTo(1);
            assertThat(scrape.value("loopwire_probe_target_label", Rig.labels("target", "db", "label", "team",
                    "value", "core"))).isEqualTo(1);
            assertThat(scrape.value("loopwire_probe_target_info", Rig.labels("target", "echo", "kind", "udp",
                    "ip", "127.0.0.1"))).isEqualTo(1);
            assertThat(rig.scrapeText()).doesNotContain("smokeping_requests_total{host=\"db\"")
                    .contains("smokeping_requests_total{host=\"echo\"");

            // Replace: db goes, "db2" (the same listener, another name) comes; echo stays.
            prober.replaceTargets(List.of(new TargetSpec("echo", ProbeKind.UDP, udp),
                    new TargetSpec("db2", ProbeKind.TCP, tcp, Map.of("site", "paris"))));
            Map<String, String> db2 = Rig.labels("target", "db2");
            Poll.until(() -> rig.scrape().value("loopwire_probe_replies_total", db2) >= 2, "db2 measured");
            String text = rig.scrapeText();
            assertThat(text).doesNotContain("target=\"db\"").contains("label=\"site\"");
            assertThatThrownBy(() -> rig.scrape().value("loopwire_probe_requests_total", db))
                    .isInstanceOf(AssertionError.class);
            assertThat(rig.scrape().value("loopwire_probe_replies_total", Rig.labels("target", "echo")))
                    .isGreaterThan(5);
            prober.close();
        }
    }
}
