package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loopwire.Poll;
import io.loopwire.probe.ClassifierConfig;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeListener;
import io.loopwire.probe.ProbeTarget;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scrape of every binder is valid Prometheus text by a strict reading: names, types, HELP, label escaping (a target
 * named with a quote, a backslash and a newline round-trips), histograms cumulative with {@code +Inf == _count}; and
 * the families the issue names are there with the right types. The Prometheus project's own Python parser reads it
 * too, where Debian's python3-prometheus-client is installed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScrapeIsStrictPrometheusTextTest {
    private static final String AWKWARD_NAME = "edge \"quoted\" back\\slash\nnew line";

    @TempDir
    Path dir;

    @Test
    void everyFamilyIsStrictTextWithHelpTypeAndEscapedLabels() throws Exception {
        try (Rig rig = new Rig().start()) {
            String text = scrapeWithProber(rig);
            PrometheusText scrape = PrometheusText.parse(text);
            Map<String, String> expected = Map.ofEntries(
                    Map.entry("loopwire_reactor_turns_total", "counter"),
                    Map.entry("loopwire_reactor_turn_seconds", "histogram"),
                    Map.entry("loopwire_reactor_lag_seconds", "gauge"),
                    Map.entry("loopwire_reactor_tasks_total", "counter"),
                    Map.entry("loopwire_tcp_connections", "gauge"),
                    Map.entry("loopwire_tcp_closed_total", "counter"),
                    Map.entry("loopwire_tcp_outbound_queued_bytes", "gauge"),
                    Map.entry("loopwire_udp_drops_total", "counter"),
                    Map.entry("loopwire_relay_deliveries_total", "counter"),
                    Map.entry("loopwire_relay_members", "gauge"),
                    Map.entry("loopwire_probe_requests_total", "counter"),
                    Map.entry("loopwire_probe_rtt_seconds", "histogram"),
                    Map.entry("loopwire_probe_state", "gauge"),
                    Map.entry("smokeping_requests_total", "counter"),
                    Map.entry("smokeping_response_duration_seconds", "histogram"));
            expected.forEach((name, type) -> {
                assertThat(scrape.families).as(name).containsKey(name);
                assertThat(scrape.families.get(name).type()).as(name).isEqualTo(type);
            });
            scrape.families.values().forEach(f -> assertThat(f.help()).as("HELP of " + f.name()).isNotBlank());
            assertThat(scrape.value("loopwire_probe_state", Rig.labels("state", "NORMAL", "target", AWKWARD_NAME)))
                    .isEqualTo(1.0);
            assertThat(scrape.value("smokeping_requests_total", Rig.labels("host", AWKWARD_NAME, "ip", "127.0.0.1")))
                    .isGreaterThanOrEqualTo(3.0);
        }
    }

    @Test
    void openMetricsIsServedWhenAskedAndEndsWithEof() throws Exception {
        try (Rig rig = new Rig().start()) {
            rig.sampler.refresh();
            String text = rig.registry.scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
            assertThat(text).contains("# TYPE loopwire_reactor_turns counter").endsWith("# EOF\n");
        }
    }

    @Test
    void prometheusProjectsOwnPythonParserReadsTheScrape() throws Exception {
        File python = new File("/usr/bin/python3");
        assumeTrue(python.canExecute(), "skipped: /usr/bin/python3 not found");
        Process check = new ProcessBuilder(python.getPath(), "-c", "import prometheus_client.parser")
                .redirectErrorStream(true).start();
        assumeTrue(check.waitFor(30, TimeUnit.SECONDS) && check.exitValue() == 0,
                "skipped: python3-prometheus-client is not installed (apt-get install python3-prometheus-client)");
        try (Rig rig = new Rig().start()) {
            String text = scrapeWithProber(rig);
            Path file = dir.resolve("scrape.txt");
            Files.writeString(file, text, StandardCharsets.UTF_8);
            String script = "import sys\n"
                    + "from prometheus_client.parser import text_string_to_metric_families\n"
                    + "fams = list(text_string_to_metric_families(open(sys.argv[1], encoding='utf-8').read()))\n"
                    + "names = {f.name for f in fams}\n"
                    + "assert 'smokeping_response_duration_seconds' in names, names\n"
                    + "assert 'loopwire_probe_rtt_seconds' in names, names\n"
                    + "hosts = {s.labels.get('host') for f in fams for s in f.samples}\n"
                    + "assert " + pythonString(AWKWARD_NAME) + " in hosts, hosts\n"
                    + "print(len(fams))\n";
            Process p = new ProcessBuilder(python.getPath(), "-c", script, file.toString())
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(Integer.parseInt(out)).isEqualTo(PrometheusText.parse(text).families.size());
        }
    }

    /** A prober with the awkward name against the rig's UDP port; three rounds, then one scrape. */
    private static String scrapeWithProber(Rig rig) throws Exception {
        ProberMetrics metrics = new ProberMetrics(rig.sampler);
        CountDownLatch normal = new CountDownLatch(1);
        ProbeListener waiter = new ProbeListener() {
            @Override
            public void onStateChange(ProbeTarget target, LinkState from, LinkState to, long rttNanos) {
                if (to == LinkState.NORMAL) {
                    normal.countDown();
                }
            }
        };
        LatencyProber prober = LatencyProber.builder(rig.reactor)
                .target(AWKWARD_NAME, rig.server.udpAddress())
                .interval(Duration.ofMillis(20))
                .classifier(ClassifierConfig.defaults().withConfirm(1))
                .rounds(3)
                .listener(ProbeListener.all(metrics, waiter))
                .start();
        try {
            metrics.watch(prober).bindTo(rig.registry);
            assertThat(normal.await(Poll.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("target NORMAL").isTrue();
            Poll.until(() -> rig.reactor.call(() -> prober.targets().get(0).stats().sent()) == 3, "3 probes sent");
            return rig.scrapeText();
        } finally {
            prober.close();
        }
    }

    private static String pythonString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
    }
}
