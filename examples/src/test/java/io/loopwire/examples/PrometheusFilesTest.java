package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.testkit.ExternalProcess;
import io.loopwire.testkit.PrometheusTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ready-made files in {@code docs/prometheus} are what Debian's {@code promtool} accepts: the rules check, the
 * scrape config checks (with its rule file), and the rules' unit tests pass (each alert fires on the series it is
 * about, with the labels and words documented). Skipped with the reason if promtool is not installed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusFilesTest {
    private static final Path DIR = Path.of("..", "docs", "prometheus");

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        assertThat(promtool("check", "rules", "loopwire-rules.yml")).contains("SUCCESS: 9 rules found");
    }

    @Test
    void promtoolAcceptsTheScrapeConfig() throws Exception {
        assertThat(promtool("check", "config", "prometheus.yml")).contains("is valid prometheus config file syntax");
    }

    @Test
    void theRulesFireAsTheirUnitTestsSay() throws Exception {
        assertThat(promtool("test", "rules", "loopwire-rules.test.yml")).contains("SUCCESS");
    }

    /** Runs promtool in docs/prometheus; fails with its output unless it exits 0. */
    private static String promtool(String... args) throws Exception {
        PrometheusTools.assumeInstalled(PrometheusTools.PROMTOOL, "prometheus");
        assertThat(DIR.resolve("loopwire-rules.yml")).as("run from the examples module")
                .satisfies(Files::isRegularFile);
        List<String> command = new java.util.ArrayList<>(List.of(PrometheusTools.PROMTOOL));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true).start();
        try (ExternalProcess promtool = new ExternalProcess("promtool " + String.join(" ", args), p) { }) {
            int exit = promtool.awaitExit();
            String out = String.join("\n", promtool.stdout());
            assertThat(exit).as(out).isZero();
            return out;
        }
    }
}
