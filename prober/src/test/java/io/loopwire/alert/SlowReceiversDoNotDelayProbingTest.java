package io.loopwire.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.probe.ClassifierConfig;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.Recorder;
import io.loopwire.probe.TestEcho;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A webhook or Alertmanager that hangs, or answers 500, while the loop hands it an alert every 20 ms: probing rounds
 * keep their cadence, handing over an alert stays quick, the failures are counted and retried, the queue stays bounded,
 * and closing returns within its grace.
 */
@org.junit.jupiter.api.Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowReceiversDoNotDelayProbingTest {
    private static final Duration INTERVAL = Duration.ofMillis(50);

    enum Case {
        WEBHOOK_HANGS(HookReceiver.Mode.HANG, false),
        WEBHOOK_FAILS(HookReceiver.Mode.FAIL_500, false),
        ALERTMANAGER_HANGS(HookReceiver.Mode.HANG, true),
        ALERTMANAGER_FAILS(HookReceiver.Mode.FAIL_500, true);

        final HookReceiver.Mode mode;
        final boolean alertmanager;

        Case(HookReceiver.Mode mode, boolean alertmanager) {
            this.mode = mode;
            this.alertmanager = alertmanager;
        }
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void probingKeepsItsCadence(Case c) throws Exception {
        try (HookReceiver hook = new HookReceiver(c.mode);
                Reactor reactor = new Reactor("slow-receiver-test").start();
                TestEcho echo = TestEcho.start()) {
            HttpAlertConfig config = HttpAlertConfig.builder(hook.url("/"))
                    // A send or round that waited on the receiver would take 2 s or more; the bounds below are half
                    // that, so a stall of this shared machine does not look like one.
                    .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(2))
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(200)).queueCapacity(10)
                    .resendInterval(Duration.ofMillis(200)).build();
            QueuedAlertSink sink = c.alertmanager ? new AlertmanagerSink(config, TargetLabels.NONE)
                    : new WebhookAlertSink(config, TargetLabels.NONE, "loopwire");
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor).target(echo.address()).interval(INTERVAL)
                    .classifier(new ClassifierConfig(Duration.ofMillis(100), Duration.ofMillis(200),
                            Duration.ofMillis(300), 3, 2))
                    .listener(rec).start();
            AtomicLong slowestSendNanos = new AtomicLong();
            AtomicLong sends = new AtomicLong();
            Function<Long, Alert> alertNo = i -> new Alert(i % 2 == 0 ? AlertKind.CHANGE : AlertKind.RECOVERY,
                    List.of(new TargetChange("t" + (i % 7), i % 2 == 0 ? LinkState.NORMAL : LinkState.DOWN,
                            i % 2 == 0 ? LinkState.DOWN
                            : LinkState.NORMAL, Instant.now(), -1, "")), Instant.now());
            try {
                assertThat(rec.awaitRounds(10, Duration.ofSeconds(10))).isTrue();
                int before = rec.rounds().size();
                Timeout feeder = reactor.scheduleAtFixedRate(Duration.ofMillis(20), Duration.ofMillis(20), () -> {
                    long t0 = System.nanoTime();
                    sink.send(alertNo.apply(sends.incrementAndGet())); // on the loop, as the policy does
                    slowestSendNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                });
                // The span measured: 60 rounds (3 s at 50 ms) while the feeder runs.
                assertThat(rec.awaitRounds(before + 60, Duration.ofSeconds(20))).isTrue();
                reactor.call(() -> {
                    feeder.cancel();
                    return null;
                });
                List<Recorder.Round> during = rec.rounds().subList(before, rec.rounds().size());
                long worstGapMs = 0;
                for (int i = 1; i < during.size(); i++) {
                    long gapNanos = during.get(i).atNanos() - during.get(i - 1).atNanos();
                    worstGapMs = Math.max(worstGapMs, gapNanos / 1_000_000);
                }
                Poll.until(Duration.ofSeconds(15), () -> sink.failed() + sink.retried() > 0,
                        "a counted failure or retry");
                long t0 = System.nanoTime();
                sink.close(Duration.ofSeconds(1));
                long closeMs = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("%s: %d alerts handed over, slowest %.3f ms; %d rounds, worst gap %d ms; "
                        + "sent %d failed %d retried %d dropped %d; close took %d ms%n", c, sends.get(),
                        slowestSendNanos.get() / 1e6, during.size(), worstGapMs, sink.sent(), sink.failed(),
                        sink.retried(), sink.dropped(), closeMs);
                assertThat(sends.get()).as("the feeder ran on the loop").isGreaterThan(50);
                assertThat(worstGapMs).as("no round waited on the receiver").isLessThan(1000);
                assertThat(slowestSendNanos.get()).as("send() never waits for the network")
                        .isLessThan(Duration.ofMillis(1000).toNanos());
                assertThat(sink.sent()).as("every alert here has something to post, and nothing is accepted").isZero();
                assertThat(sink.pending()).isLessThanOrEqualTo(10);
                assertThat(closeMs).as("close returns within about its grace").isLessThan(3000);
            } finally {
                prober.close();
                sink.close(Duration.ofMillis(100));
            }
        }
    }
}
