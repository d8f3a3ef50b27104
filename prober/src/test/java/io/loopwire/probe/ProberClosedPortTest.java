package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.net.BindException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A target whose socket closes (its port now answers with ICMP port unreachable on loopback) goes PENDING, then
 * DOWN after {@code down-after} losses; the prober keeps probing from the same socket, and when the port is bound
 * again the target is NORMAL after {@code confirm} replies.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProberClosedPortTest {
    private static final int DOWN_AFTER = 3;
    private static final int CONFIRM = 2;
    private static final ClassifierConfig CONFIG = new ClassifierConfig(Duration.ofMillis(100),
            Duration.ofMillis(200), Duration.ofMillis(300), DOWN_AFTER, CONFIRM);

    @Test
    void closedPortGoesPendingThenDownAndRecoversAfterConfirmReplies() throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start(); TestEcho echo = TestEcho.start()) {
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(echo.address()).interval(Duration.ofMillis(100)).classifier(CONFIG)
                    .listener(rec).start();
            try {
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, Duration.ofSeconds(5))).isTrue();

                int mark = rec.rounds().size();
                long closedAt = System.nanoTime();
                echo.closeSocket();
                assertThat(rec.awaitChangeTo(LinkState.DOWN, Duration.ofSeconds(10))).isTrue();
                long downMs = (System.nanoTime() - closedAt) / 1_000_000;
                List<Recorder.Round> rounds = rec.rounds();
                Recorder.Change pending = rec.firstChangeTo(LinkState.PENDING, mark);
                Recorder.Change down = rec.firstChangeTo(LinkState.DOWN, mark);
                assertThat(pending).isNotNull();
                assertThat(down.round() - pending.round()).as("DOWN on the %d-th loss in a row", DOWN_AFTER)
                        .isEqualTo(DOWN_AFTER - 1);
                for (int i = pending.round(); i <= down.round(); i++) {
                    assertThat(rounds.get(i).rttNanos()).as("round %d is a loss", i).isNegative();
                }
                assertThat(rounds.get(down.round() - 1).state()).isEqualTo(LinkState.PENDING);

                // The prober goes on: more lost rounds while DOWN, no further change.
                int downRound = down.round();
                assertThat(rec.awaitRounds(downRound + 4, Duration.ofSeconds(5))).isTrue();
                assertThat(rec.rounds().subList(downRound + 1, downRound + 4))
                        .allSatisfy(r -> assertThat(r.state()).isEqualTo(LinkState.DOWN));

                mark = rec.rounds().size();
                try {
                    echo.reopen();
                } catch (BindException e) {
                    Assumptions.abort("port " + echo.address() + " was taken while closed: " + e.getMessage());
                }
                long reopenedAt = System.nanoTime();
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, 2, Duration.ofSeconds(10))).isTrue();
                long upMs = (System.nanoTime() - reopenedAt) / 1_000_000;
                Recorder.Change up = rec.firstChangeTo(LinkState.NORMAL, mark);
                rounds = rec.rounds();
                assertThat(up.from()).isEqualTo(LinkState.DOWN);
                assertThat(rounds.get(up.round()).rttNanos()).isNotNegative();
                // Rounds between the reopen and the recovery: CONFIRM replies, and maybe losses of probes sent to the
                // closed port, which expire late and must neither break the streak nor show another state.
                List<Recorder.Round> recovering = rounds.subList(mark, up.round() + 1);
                assertThat(recovering).as(() -> "rounds " + recovering)
                        .filteredOn(r -> r.rttNanos() >= 0).hasSize(CONFIRM);
                assertThat(recovering.subList(0, recovering.size() - 1)).as("one reply is not yet a recovery")
                        .allSatisfy(r -> assertThat(r.state()).isEqualTo(LinkState.DOWN));
                // Probes sent to the closed port before the reopen expire after the first fresh replies: they are
                // losses, but older than a reply already seen, so they must not make the target PENDING again.
                assertThat(rec.awaitRounds(up.round() + 6, Duration.ofSeconds(5))).isTrue();
                assertThat(rec.states()).as(() -> "changes " + rec.changes() + " rounds " + rec.rounds())
                        .containsExactly(LinkState.NORMAL, LinkState.PENDING, LinkState.DOWN, LinkState.NORMAL);

                ProbeStats.Figures f = reactor.call(() -> prober.targets().get(0).stats().snapshot().lifetime());
                System.out.println("rounds from the reopen to the recovery: " + recovering.stream()
                        .map(r -> r.rttNanos() < 0 ? "loss" : "reply").toList());
                System.out.printf("closed port: DOWN %d ms after close, NORMAL %d ms after reopen; %s%n", downMs,
                        upMs, f);
                assertThat(f.longestOutageRounds()).isGreaterThanOrEqualTo(DOWN_AFTER + 3);
                assertThat(f.late()).isZero();
            } finally {
                prober.close();
            }
        }
    }
}
