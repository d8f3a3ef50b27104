package io.loopwire.probe;

import static io.loopwire.probe.LinkState.DOWN;
import static io.loopwire.probe.LinkState.NORMAL;
import static io.loopwire.probe.LinkState.PENDING;
import static io.loopwire.probe.LinkState.SLOW;
import static io.loopwire.probe.LinkState.VERY_SLOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.alert.Alert;
import io.loopwire.alert.AlertKind;
import io.loopwire.alert.AlertPolicy;
import io.loopwire.alert.AlertingListener;
import io.loopwire.testkit.UdpLinkProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The four ways a changing or too-slow link made the monitor say what did not happen (issue 22), each against a
 * {@link UdpLinkProxy} in front of the real {@code PingEcho}, with {@code --timeout 1s --confirm 2 --down-after 3}:
 * <ol>
 *   <li>text probes on a link slower than the timeout are DOWN, never "NORMAL" from late replies;</li>
 *   <li>a 1 s outage losing 5 probes is DOWN with one alert, then recovers, though later probes were answered before
 *       the lost ones timed out;</li>
 *   <li>40 ms, one 195 ms reply, then 350 ms: no SLOW, VERY_SLOW on exactly the 2nd 350 ms round, quoting ~350 ms;
 *       </li>
 *   <li>350 ms to 40 ms: a stale reply from before the change does not delay NORMAL past 2 rounds of 40 ms.</li>
 * </ol>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProberLinkChangesTest {
    private static final long MS = 1_000_000L;
    private static final int CONFIRM = 2;
    private static final int DOWN_AFTER = 3;
    private static final ClassifierConfig CONFIG = new ClassifierConfig(Duration.ofMillis(100),
            Duration.ofMillis(300), Duration.ofSeconds(1), DOWN_AFTER, CONFIRM);

    @Test
    void textProbesOnALinkSlowerThanTheTimeoutAreDown() throws Exception {
        try (PingEchoServer server = PingEchoServer.start();
                UdpLinkProxy link = UdpLinkProxy.start(server.address());
                Reactor reactor = new Reactor("prober-test").start()) {
            link.rtt(Duration.ofMillis(1250));
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor).target(link.address())
                    .mode(LatencyProber.Mode.TEXT).interval(Duration.ofMillis(200)).classifier(CONFIG)
                    .listener(rec).start();
            try {
                boolean down = rec.awaitChangeTo(DOWN, Duration.ofSeconds(15));
                long late = reactor.call(prober::late);
                System.out.println("text at 1250 ms RTT: changes " + rec.changes() + ", rounds " + rtts(rec)
                        + ", late " + late);
                assertThat(rec.rounds()).as("no late reply taken as a fresh sample")
                        .allSatisfy(r -> assertThat(r.rttNanos()).isNegative());
                assertThat(down).as("DOWN within 15 s").isTrue();
                assertThat(rec.states()).containsExactly(PENDING, DOWN);
                assertThat(late).as("the late replies arrived and were counted late").isGreaterThanOrEqualTo(2);
            } finally {
                prober.close();
            }
        }
    }

    @Test
    void aOneSecondOutageIsDownWithOneAlertThenRecovers() throws Exception {
        try (PingEchoServer server = PingEchoServer.start();
                UdpLinkProxy link = UdpLinkProxy.start(server.address());
                Reactor reactor = new Reactor("prober-test").start()) {
            Recorder rec = new Recorder();
            List<Alert> alerts = new ArrayList<>();
            AlertPolicy policy = new AlertPolicy(AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO),
                    alert -> {
                        synchronized (alerts) {
                            alerts.add(alert);
                        }
                    });
            AlertingListener listener = reactor.call(() -> new AlertingListener(reactor, policy, rec));
            LatencyProber prober = LatencyProber.builder(reactor).target(link.address())
                    .interval(Duration.ofMillis(200)).classifier(CONFIG).listener(listener).start();
            try {
                assertThat(rec.awaitChangeTo(NORMAL, Duration.ofSeconds(5))).isTrue();
                assertThat(rec.awaitRounds(3, Duration.ofSeconds(5))).isTrue();
                int mark = rec.rounds().size();
                link.toServer().dropNext(5); // 5 probes at 200 ms: a 1 s outage
                assertThat(rec.awaitChangeTo(NORMAL, 2, Duration.ofSeconds(10))).as(() -> "recovered: "
                        + rec.changes() + " " + rtts(rec)).isTrue();
                List<Recorder.Round> after = rec.rounds().subList(mark, rec.rounds().size());
                System.out.println("1 s outage: rounds " + rtts(rec) + ", changes " + rec.changes());
                assertThat(after.stream().filter(r -> r.rttNanos() < 0).count()).as("lost").isEqualTo(5);
                assertThat(rec.states()).containsExactly(NORMAL, PENDING, DOWN, NORMAL);
                Recorder.Change down = rec.firstChangeTo(DOWN, mark);
                assertThat(rec.rounds().get(down.round() - DOWN_AFTER + 1).rttNanos())
                        .as("DOWN on the %d-th loss in send order", DOWN_AFTER).isNegative();
                // The policy hands the recovery alert over after the state change the recorder saw: wait for it.
                Poll.until(() -> {
                    synchronized (alerts) {
                        return alerts.size() >= 2;
                    }
                }, "the recovery alert");
                List<Alert> sent;
                synchronized (alerts) {
                    sent = List.copyOf(alerts);
                }
                assertThat(sent).extracting(Alert::kind).containsExactly(AlertKind.CHANGE, AlertKind.RECOVERY);
                assertThat(sent.get(0).changes()).singleElement()
                        .satisfies(c -> assertThat(c.current()).isEqualTo(DOWN));
            } finally {
                prober.close();
                reactor.call(() -> {
                    listener.close();
                    return null;
                });
            }
        }
    }

    @Test
    void oneInBetweenReplyNeitherShowsSlowNorDelaysVerySlow() throws Exception {
        try (PingEchoServer server = PingEchoServer.start();
                UdpLinkProxy link = UdpLinkProxy.start(server.address());
                Reactor reactor = new Reactor("prober-test").start()) {
            link.rtt(Duration.ofMillis(40));
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor).target(link.address())
                    .interval(Duration.ofMillis(200)).classifier(CONFIG).listener(rec).start();
            try {
                assertThat(rec.awaitChangeTo(NORMAL, Duration.ofSeconds(5))).isTrue();
                assertThat(rec.awaitRounds(3, Duration.ofSeconds(5))).isTrue();
                int mark = rec.rounds().size();
                // The probe just taken went out at 20 ms one way and comes back at 175 ms: one 195 ms round.
                link.afterNextRequest(() -> link.rtt(Duration.ofMillis(350)));
                assertThat(rec.awaitChangeTo(VERY_SLOW, Duration.ofSeconds(10))).isTrue();
                System.out.println("40 -> 350 ms: rounds " + rtts(rec) + ", changes " + rec.changes());
                List<Recorder.Round> rounds = rec.rounds();
                Recorder.Change change = rec.firstChangeTo(VERY_SLOW, mark);
                int first = firstAtLeast(rounds, mark, 300 * MS);
                assertThat(rounds.subList(mark, first)).as("one in-between round")
                        .anySatisfy(r -> assertThat(r.rttNanos()).isBetween(100 * MS, 300 * MS));
                assertThat(change.round()).as("VERY_SLOW on the %d-th 350 ms round", CONFIRM)
                        .isEqualTo(first + CONFIRM - 1);
                assertThat(rec.states()).containsExactly(NORMAL, VERY_SLOW);
                // Generous above (a loaded machine delays replies); a quoted in-between sample would be ~195 ms.
                assertThat(change.rttNanos()).as("the alert quotes the confirming rounds")
                        .isBetween(345 * MS, 400 * MS);
            } finally {
                prober.close();
            }
        }
    }

    @Test
    void aStaleReplyFromBeforeTheChangeNeverDelaysRecovery() throws Exception {
        try (PingEchoServer server = PingEchoServer.start();
                UdpLinkProxy link = UdpLinkProxy.start(server.address());
                Reactor reactor = new Reactor("prober-test").start()) {
            // The delay sits on the way back (10 ms out, 340 ms back), then drops to 30 ms: replies already on the way
            // back keep their 340 ms and arrive among the fresh 40 ms ones (probes every 100 ms).
            link.toServer().delay(Duration.ofMillis(10));
            link.toClient().delay(Duration.ofMillis(340));
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor).target(link.address())
                    .interval(Duration.ofMillis(100)).classifier(CONFIG).listener(rec).start();
            try {
                assertThat(rec.awaitChangeTo(VERY_SLOW, Duration.ofSeconds(5))).isTrue();
                assertThat(rec.awaitRounds(4, Duration.ofSeconds(5))).isTrue();
                int mark = rec.rounds().size();
                link.afterNextRequest(() -> link.toClient().delay(Duration.ofMillis(30)));
                assertThat(rec.awaitChangeTo(NORMAL, Duration.ofSeconds(10))).isTrue();
                System.out.println("350 -> 40 ms: rounds " + rtts(rec) + ", changes " + rec.changes());
                List<Recorder.Round> rounds = rec.rounds();
                Recorder.Change change = rec.firstChangeTo(NORMAL, mark);
                int firstFast = mark;
                while (rounds.get(firstFast).rttNanos() >= 100 * MS) {
                    firstFast++;
                }
                assertThat(change.round()).as("NORMAL on the %d-th 40 ms round", CONFIRM)
                        .isEqualTo(firstFast + CONFIRM - 1);
                assertThat(rec.states()).containsExactly(VERY_SLOW, NORMAL);
                // Generous above (a loaded machine delays replies); a quoted stale sample would be ~350 ms.
                assertThat(change.rttNanos()).as("the alert quotes the confirming rounds").isBetween(39 * MS, 90 * MS);
            } finally {
                prober.close();
            }
        }
    }

    private static int firstAtLeast(List<Recorder.Round> rounds, int from, long nanos) {
        for (int i = from; i < rounds.size(); i++) {
            if (rounds.get(i).rttNanos() >= nanos) {
                return i;
            }
        }
        throw new AssertionError("no round of at least " + nanos / MS + " ms after round " + from);
    }

    private static List<String> rtts(Recorder rec) {
        return rec.rounds().stream()
                .map(r -> r.rttNanos() < 0 ? "loss" : String.format(Locale.ROOT, "%.0f", r.rttNanos() / 1e6))
                .toList();
    }
}
