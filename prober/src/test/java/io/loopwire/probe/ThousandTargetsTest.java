package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.relay.PingEcho;
import io.loopwire.udp.UdpEndpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One prober, one socket, 1,000 targets (1,000 echo sockets on one echo reactor: a target is an address, and an echo
 * must answer from the address it was sent to, so they cannot share a socket). Every target is measured within each
 * round, all are NORMAL, and the sends are spread across the interval rather than sent in one burst.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThousandTargetsTest {
    private static final int TARGETS = 1_000;
    private static final int ROUNDS = 2;
    private static final Duration INTERVAL = Duration.ofSeconds(1);

    @Test
    void thousandTargetsAreAllMeasuredEachRoundWithSendsSpreadAcrossTheInterval() throws Exception {
        try (Reactor echoes = new Reactor("test-echoes").start(); Reactor reactor = new Reactor("prober").start()) {
            long t0 = System.nanoTime();
            InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            LatencyProber.Builder builder = LatencyProber.builder(reactor)
                    .interval(INTERVAL)
                    // NORMAL up to 600 ms: a first reply sets the state at once, and with two rounds one first
                    // reply held over the default 100 ms by a loaded CPU left its target SLOW (991 of 1000 NORMAL).
                    // Whether each target is measured each round is the point here, not the bands.
                    .classifier(new ClassifierConfig(Duration.ofMillis(600), Duration.ofMillis(800),
                            Duration.ofMillis(900), ClassifierConfig.DEFAULT_DOWN_AFTER,
                            ClassifierConfig.DEFAULT_CONFIRM))
                    .rounds(ROUNDS);
            PingEcho pingEcho = new PingEcho(); // runs on the echoes' reactor only
            for (int i = 0; i < TARGETS; i++) {
                UdpEndpoint echo = UdpEndpoint.builder(echoes).bind(loopback)
                        .handler(pingEcho::answer).start();
                builder.target(echo.localAddress());
            }
            long setupMs = (System.nanoTime() - t0) / 1_000_000;
            Recorder rec = new Recorder();
            long start = System.nanoTime();
            LatencyProber prober = builder.listener(rec).start();
            try {
                assertThat(rec.awaitFinished(Duration.ofSeconds(20))).isTrue();
                long elapsedMs = (System.nanoTime() - start) / 1_000_000;

                List<Recorder.Round> rounds = rec.rounds();
                assertThat(rounds).hasSize(TARGETS * ROUNDS);
                Map<String, Integer> seen = new HashMap<>();
                long[] firstSend = new long[TARGETS];
                long[] rtts = new long[rounds.size()];
                long lastFirstRoundEnd = 0;
                int n = 0;
                for (Recorder.Round r : rounds) {
                    assertThat(r.rttNanos()).as("a reply from %s", r.target()).isNotNegative();
                    rtts[n++] = r.rttNanos();
                    int k = seen.merge(r.target(), 1, Integer::sum);
                    if (k == 1) {
                        firstSend[seen.size() - 1] = r.sentAtNanos() - start;
                        lastFirstRoundEnd = Math.max(lastFirstRoundEnd, r.atNanos() - start);
                    }
                }
                assertThat(seen).hasSize(TARGETS).allSatisfy((t, k) -> assertThat(k).isEqualTo(ROUNDS));
                assertThat(lastFirstRoundEnd).as("every target measured within the first round")
                        .isLessThan(INTERVAL.toNanos() + Duration.ofMillis(500).toNanos());

                // Spread: the first round's sends cover most of the interval; no 100 ms slice holds a burst.
                Arrays.sort(firstSend);
                long span = firstSend[TARGETS - 1] - firstSend[0];
                int[] slices = new int[12];
                // Sliced from the round's first send, not from the prober's start: how long the start took (300 ms
                // and more on a loaded CPU) would otherwise pile the round's tail into the last slice, a burst that
                // is not there (200 of the 250 allowed on an idle machine).
                for (long s : firstSend) {
                    slices[(int) Math.min(slices.length - 1, (s - firstSend[0]) / 100_000_000L)]++;
                }
                int busiest = Arrays.stream(slices).max().orElseThrow();
                Arrays.sort(rtts);
                System.out.printf("1000 targets: %d echo sockets bound in %d ms; %d rounds in %d ms; first round "
                                + "sends span %d ms, busiest 100 ms slice %d sends (even: 100), slices %s; "
                                + "rtt p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                        TARGETS, setupMs, ROUNDS, elapsedMs, span / 1_000_000, busiest,
                        Arrays.toString(slices), rtts[rtts.length / 2] / 1e6,
                        rtts[(int) (rtts.length * 0.99)] / 1e6, rtts[rtts.length - 1] / 1e6);
                assertThat(span).as("sends spread across the interval").isGreaterThan(INTERVAL.toNanos() * 8 / 10);
                assertThat(busiest).as("no burst: at most 2.5x the even share in any 100 ms").isLessThan(250);

                long stillNormal = reactor.call(() -> prober.targets().stream()
                        .filter(t -> t.state() == LinkState.NORMAL && t.stats().received() == ROUNDS).count());
                assertThat(stillNormal).isEqualTo(TARGETS);
                assertThat(reactor.call(() -> prober.foreign() + prober.late() + prober.skipped())).isZero();
            } finally {
                prober.close();
            }
        }
    }
}
