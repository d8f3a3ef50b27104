package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.probe.ClassifierConfig;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeListener;
import io.loopwire.relay.PingEcho;
import io.loopwire.udp.UdpEndpoint;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The prober's meters against real UDP echoes: the RTT histograms (ours and smokeping_prober's) count exactly the
 * replies, and the state gauge follows a target that stops answering (DOWN) and comes back (NORMAL).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ProbeHistogramAndStateTest {

    @Test
    void histogramCountEqualsRepliesAndRequestsEqualSent() throws Exception {
        try (Rig rig = new Rig()) {
            ProberMetrics metrics = new ProberMetrics(rig.sampler);
            CountDownLatch finished = new CountDownLatch(1);
            LatencyProber prober = LatencyProber.builder(rig.reactor)
                    .target("chat", rig.server.udpAddress())
                    .interval(Duration.ofMillis(10))
                    .rounds(40)
                    .listener(ProbeListener.all(metrics, new ProbeListener() {
                        @Override
                        public void onFinished() {
                            finished.countDown();
                        }
                    }))
                    .start();
            metrics.watch(prober).bindTo(rig.registry); // before the loop runs: no reply can be missed
            rig.start();
            assertThat(finished.await(Poll.PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("40 rounds").isTrue();
            PrometheusText scrape = rig.scrape();
            Map<String, String> target = Rig.labels("target", "chat");
            Map<String, String> smokeping = Rig.labels("host", "chat", "ip", "127.0.0.1");
            double replies = scrape.value("loopwire_probe_replies_total", target);
            assertThat(replies + scrape.value("loopwire_probe_losses_total", target)).isEqualTo(40);
            assertThat(replies).isGreaterThan(30); // loopback; a loaded machine may lose the odd one to the timeout
            assertThat(scrape.value("loopwire_probe_rtt_seconds_count", target)).isEqualTo(replies);
            assertThat(scrape.value("smokeping_response_duration_seconds_count", smokeping)).isEqualTo(replies);
            assertThat(scrape.value("smokeping_response_duration_seconds_bucket",
                    Rig.labels("host", "chat", "ip", "127.0.0.1", "le", "+Inf"))).isEqualTo(replies);
            assertThat(scrape.value("smokeping_requests_total", smokeping)).isEqualTo(40);
            assertThat(scrape.value("loopwire_probe_requests_total", target)).isEqualTo(40);
            assertThat(scrape.value("loopwire_probe_rtt_seconds_sum", target)).isGreaterThan(0);
            prober.close();
        }
    }

    @Test
    void stateGaugeFollowsATargetGoingDownAndBack() throws Exception {
        try (Rig rig = new Rig()) {
            AtomicBoolean answering = new AtomicBoolean(true);
            PingEcho pingEcho = new PingEcho();
            UdpEndpoint echo = UdpEndpoint.builder(rig.reactor).bind(new InetSocketAddress("127.0.0.1", 0))
                    .handler((endpoint, sender, data) -> {
                        if (answering.get()) {
                            pingEcho.answer(endpoint, sender, data);
                        }
                    }).start();
            ProberMetrics metrics = new ProberMetrics(rig.sampler);
            LatencyProber prober = LatencyProber.builder(rig.reactor)
                    .target("echo", echo.localAddress())
                    .interval(Duration.ofMillis(30))
                    .classifier(new ClassifierConfig(Duration.ofMillis(100), Duration.ofMillis(150),
                            Duration.ofMillis(200), 2, 1))
                    .listener(metrics)
                    .start();
            metrics.watch(prober).bindTo(rig.registry);
            rig.start();
            awaitState(rig, LinkState.NORMAL);
            answering.set(false);
            awaitState(rig, LinkState.DOWN);
            answering.set(true);
            awaitState(rig, LinkState.NORMAL);
            prober.close();
        }
    }

    /** Waits until the gauge is 1 for {@code expected} and 0 for every other state, in one scrape. */
    private static void awaitState(Rig rig, LinkState expected) throws Exception {
        Poll.until(() -> {
            PrometheusText scrape = rig.scrape();
            for (LinkState s : LinkState.values()) {
                double v = scrape.value("loopwire_probe_state", Rig.labels("state", s.name(), "target", "echo"));
                if (v != (s == expected ? 1.0 : 0.0)) {
                    return false;
                }
            }
            return true;
        }, "state gauge shows " + expected + " only");
    }
}
