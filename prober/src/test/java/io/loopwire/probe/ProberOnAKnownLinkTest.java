package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.testkit.UdpLinkProxy;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The prober against a link whose truth is known ({@link UdpLinkProxy} in front of the real {@code PingEcho}), in
 * binary and text mode: steady RTTs of 0 / 40 / 150 / 350 ms are NORMAL / NORMAL / SLOW / VERY_SLOW with the
 * window's p50 within 2 ms of the link's RTT (plus what the machine adds to a plain blocking client's round trip at the
 * same moments, see {@link ReferencePinger}), 100 % loss is DOWN, and 10 % loss over 200 probes is measured within
 * 5 points (and equal to what the proxy dropped).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProberOnAKnownLinkTest {
    private static final long MS = 1_000_000L;
    /** The product's default thresholds; a timeout that leaves 350 ms replies well inside it. */
    private static final ClassifierConfig CONFIG = new ClassifierConfig(Duration.ofMillis(100),
            Duration.ofMillis(300), Duration.ofSeconds(1), 3, 2);
    /** For loss only: thresholds and timeout scaled down so that text mode's held pings cost little time. */
    private static final ClassifierConfig LOSS_ONLY = new ClassifierConfig(Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(200), 3, 2);

    /** Runs every path once (prober, proxy, echo) so that the measured runs do not pay for class loading and JIT. */
    @BeforeAll
    static void warmUp() throws Exception {
        for (LatencyProber.Mode mode : LatencyProber.Mode.values()) {
            try (PingEchoServer server = PingEchoServer.start();
                    UdpLinkProxy link = UdpLinkProxy.start(server.address());
                    Reactor reactor = new Reactor("prober-warm-up").start()) {
                Recorder rec = new Recorder();
                LatencyProber prober = LatencyProber.builder(reactor).target(link.address()).mode(mode)
                        .interval(Duration.ofMillis(5)).classifier(CONFIG).rounds(100).listener(rec).start();
                try {
                    rec.awaitFinished(Duration.ofSeconds(10));
                } finally {
                    prober.close();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} ms, {1} probes")
    @CsvSource({
        "0, BINARY, NORMAL", "40, BINARY, NORMAL", "150, BINARY, SLOW", "350, BINARY, VERY_SLOW",
        "0, TEXT, NORMAL", "40, TEXT, NORMAL", "150, TEXT, SLOW", "350, TEXT, VERY_SLOW"})
    void steadyRttIsClassifiedAndMeasured(int rttMs, LatencyProber.Mode mode, LinkState expected) throws Exception {
        int rounds = mode == LatencyProber.Mode.BINARY ? 30 : 12;
        try (PingEchoServer server = PingEchoServer.start();
                UdpLinkProxy link = UdpLinkProxy.start(server.address());
                UdpLinkProxy referenceLink = UdpLinkProxy.start(server.address());
                Reactor reactor = new Reactor("prober-test").start()) {
            link.rtt(Duration.ofMillis(rttMs));
            referenceLink.rtt(Duration.ofMillis(rttMs));
            Recorder rec = new Recorder();
            ReferencePinger reference = ReferencePinger.start(referenceLink.address(), Duration.ofMillis(50));
            LatencyProber prober = LatencyProber.builder(reactor).target(link.address()).mode(mode)
                    .interval(Duration.ofMillis(50)).classifier(CONFIG).rounds(rounds).listener(rec).start();
            try {
                assertThat(rec.awaitFinished(Duration.ofSeconds(20))).isTrue();
                // One ping in flight, so at 350 ms it has fewer rounds than the prober: a median of 9 at least.
                Poll.until(Duration.ofSeconds(20), () -> reference.rounds() >= 9, "9 reference rounds");
                reference.close();
                ProbeStats.Figures f = reactor.call(() -> prober.targets().get(0).stats().snapshot().window());
                // The truth: the configured delay plus the proxy's own median lateness in each direction.
                long truth = rttMs * MS + link.toServer().medianLatenessNanos() + link.toClient().medianLatenessNanos();
                // What the machine adds beyond that at the same moments (the echo's, the proxy readers' and the
                // client's wake-ups): the plain blocking pinger's median over its own link minus that link's truth.
                // About 0.1 ms on a quiet machine; several ms while other processes keep both cores busy.
                long referenceTruth = rttMs * MS + referenceLink.toServer().medianLatenessNanos()
                        + referenceLink.toClient().medianLatenessNanos();
                long machine = Math.max(0, reference.medianNanos() - referenceTruth);
                System.out.printf(Locale.ROOT, "%s link %d ms (true %.2f ms): %s, %s; a blocking pinger beside it: "
                        + "+%.2f ms over %d rounds%n", mode, rttMs, truth / 1e6, rec.states(), f, machine / 1e6,
                        reference.rounds());
                // The first reply sets the state at once; on a busy machine that one reply can be late enough to
                // land in another band, so the steady state is the last one (reached by the confirm rule).
                assertThat(rec.states()).as("states").hasSizeLessThanOrEqualTo(2).last().isEqualTo(expected);
                assertThat(f.received()).isEqualTo(rounds);
                assertThat(f.lost() + f.late()).isZero();
                // The prober's own error: within 2 ms, plus (never below the truth) what the machine made the
                // simplest client late by at the same time; a quiet machine leaves the 2 ms alone.
                assertThat(f.p50Nanos() - truth).as("p50 %.2f ms vs %.2f ms (machine +%.2f ms)", f.p50Nanos() / 1e6,
                        truth / 1e6, machine / 1e6).isBetween(-2 * MS, 2 * MS + machine);
            } finally {
                reference.close();
                prober.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(LatencyProber.Mode.class)
    void totalLossIsDown(LatencyProber.Mode mode) throws Exception {
        try (PingEchoServer server = PingEchoServer.start();
                UdpLinkProxy link = UdpLinkProxy.start(server.address());
                Reactor reactor = new Reactor("prober-test").start()) {
            link.loss(1.0);
            Recorder rec = new Recorder();
            // Loss only: the short timeout of the loss test below (text mode waits out each lost ping, 1 s with CONFIG).
            LatencyProber prober = LatencyProber.builder(reactor).target(link.address()).mode(mode)
                    .interval(Duration.ofMillis(50)).classifier(LOSS_ONLY).listener(rec).start();
            try {
                assertThat(rec.awaitChangeTo(LinkState.DOWN, Duration.ofSeconds(15))).isTrue();
                assertThat(rec.states()).containsExactly(LinkState.PENDING, LinkState.DOWN);
                assertThat(rec.rounds()).allSatisfy(r -> assertThat(r.rttNanos()).isNegative());
            } finally {
                prober.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(LatencyProber.Mode.class)
    void tenPercentLossOver200ProbesIsMeasured(LatencyProber.Mode mode) throws Exception {
        int probes = 200;
        try (PingEchoServer server = PingEchoServer.start();
                UdpLinkProxy link = UdpLinkProxy.start(server.address());
                Reactor reactor = new Reactor("prober-test").start()) {
            link.toServer().loss(0.10);
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor).target(link.address()).mode(mode)
                    .interval(Duration.ofMillis(20)).classifier(LOSS_ONLY).windowRounds(probes).rounds(probes)
                    .listener(rec).start();
            try {
                assertThat(rec.awaitFinished(Duration.ofSeconds(40))).isTrue();
                ProbeStats.Figures f = reactor.call(() -> prober.targets().get(0).stats().snapshot().lifetime());
                double truth = 100.0 * link.toServer().dropped() / (link.toServer().dropped()
                        + link.toServer().forwarded());
                System.out.printf(Locale.ROOT, "%s, 10 %% loss: proxy dropped %.2f %% (%d), prober %s%n", mode, truth,
                        link.toServer().dropped(), f);
                assertThat(f.sent()).isEqualTo(probes);
                assertThat(f.received() + f.lost()).isEqualTo(probes);
                // Every loss is one the proxy made, or a reply that came after the timeout (counted late).
                assertThat(f.lost()).isEqualTo(link.toServer().dropped() + f.late());
                assertThat(f.late()).isLessThanOrEqualTo(2);
                assertThat(Math.abs(f.lossPercent() - 10.0)).isLessThanOrEqualTo(5.0);
            } finally {
                prober.close();
            }
        }
    }
}
