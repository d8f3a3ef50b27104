package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The prober in {@code text} mode ({@code ping}/{@code ping}) against a Python server written like the original
 * system's {@code udp_server.py}: measured, NORMAL, nothing skipped; and DOWN once the Python process is gone.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProberTextModeAgainstPythonTest {
    private Process python;
    private InetSocketAddress address;

    @BeforeEach
    void startPythonServer() throws Exception {
        try {
            Process version = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            String v = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            Assumptions.assumeTrue(version.waitFor(10, TimeUnit.SECONDS) && version.exitValue() == 0,
                    () -> skip("python3 --version failed: " + v));
        } catch (IOException e) {
            Assumptions.abort(skip("python3 is not on PATH: " + e.getMessage()));
        }
        Path script = Path.of(getClass().getResource("/python/ping_server.py").toURI());
        python = new ProcessBuilder("python3", "-u", script.toString(), "127.0.0.1", "0")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(15, TimeUnit.SECONDS);
        assertThat(line).startsWith("listening 127.0.0.1:");
        address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                Integer.parseInt(line.substring(line.lastIndexOf(':') + 1)));
    }

    private static String skip(String reason) {
        System.out.println("SKIPPED ProberTextModeAgainstPythonTest: " + reason);
        return reason;
    }

    @AfterEach
    void stopPythonServer() throws InterruptedException {
        if (python != null && python.isAlive()) {
            python.destroy();
            if (!python.waitFor(5, TimeUnit.SECONDS)) {
                python.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void textProbesAreAnsweredByThePythonPingServerAndItsDeathIsDown() throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start()) {
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(address).mode(LatencyProber.Mode.TEXT).interval(Duration.ofMillis(50))
                    .classifier(ClassifierConfig.defaults().withTimeout(Duration.ofMillis(500)))
                    .rounds(20).listener(rec).start();
            try {
                assertThat(rec.awaitFinished(Duration.ofSeconds(15))).isTrue();
                ProbeStats.Figures f = reactor.call(() -> prober.targets().get(0).stats().snapshot().lifetime());
                System.out.println("text mode against python3 ping_server.py: " + f);
                assertThat(f.sent()).isEqualTo(20);
                assertThat(f.received()).isEqualTo(20);
                assertThat(f.lost() + f.late() + f.duplicates()).isZero();
                assertThat(f.minNanos()).isPositive();
                assertThat(f.maxNanos()).isLessThan(Duration.ofMillis(500).toNanos());
                assertThat(reactor.call(() -> prober.skipped() + prober.foreign())).isZero();
                assertThat(rec.states()).containsExactly(LinkState.NORMAL);
            } finally {
                prober.close();
            }

            Recorder rec2 = new Recorder();
            LatencyProber watcher = LatencyProber.builder(reactor)
                    .target(address).mode(LatencyProber.Mode.TEXT).interval(Duration.ofMillis(50))
                    .classifier(ClassifierConfig.defaults().withTimeout(Duration.ofMillis(500)))
                    .listener(rec2).start();
            try {
                assertThat(rec2.awaitChangeTo(LinkState.NORMAL, Duration.ofSeconds(5))).isTrue();
                python.destroy();
                assertThat(python.waitFor(5, TimeUnit.SECONDS)).isTrue();
                assertThat(rec2.awaitChangeTo(LinkState.DOWN, Duration.ofSeconds(10))).isTrue();
                assertThat(rec2.states()).containsExactly(LinkState.NORMAL, LinkState.PENDING, LinkState.DOWN);
            } finally {
                watcher.close();
            }
        }
    }
}
