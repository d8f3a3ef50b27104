package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.wire.ProbePacket;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replies that are not fresh samples: late (after the timeout), duplicated, foreign (random bytes, another prober's
 * id, a real probe from the wrong address, a sequence never sent). Each is counted and none moves the RTT figures.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProberUnexpectedRepliesTest {
    private static final ClassifierConfig FAST = new ClassifierConfig(Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(150), 3, 2);

    @Test
    void repliesAfterTheTimeoutAreLossesCountedLateAndNeverSamples() throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start();
                TestEcho echo = TestEcho.start().delay(Duration.ofMillis(300))) {
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(echo.address()).interval(Duration.ofMillis(100)).classifier(FAST).rounds(5)
                    .listener(rec).start();
            try {
                assertThat(rec.awaitFinished(Duration.ofSeconds(10))).isTrue();
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> prober.late() == 5,
                        "all five echoes arrive late");
                ProbeStats.Figures f = reactor.call(() -> prober.targets().get(0).stats().snapshot().lifetime());
                System.out.println("late echoes (300 ms vs timeout 150 ms): " + f);
                assertThat(f.sent()).isEqualTo(5);
                assertThat(f.lost()).isEqualTo(5);
                assertThat(f.late()).isEqualTo(5);
                assertThat(f.received()).isZero();
                assertThat(f.minNanos()).as("no RTT sample").isEqualTo(-1);
                assertThat(f.lastNanos()).isEqualTo(-1);
                assertThat(f.maxNanos()).isEqualTo(-1);
                assertThat(rec.rounds()).hasSize(5).allSatisfy(r -> assertThat(r.rttNanos()).isNegative());
                assertThat(rec.states()).containsExactly(LinkState.PENDING, LinkState.DOWN);
                assertThat(reactor.call(prober::duplicates)).isZero();
                assertThat(reactor.call(prober::foreign)).isZero();
            } finally {
                prober.close();
            }
        }
    }

    @Test
    void ownProbesReflectedWithoutTheReplyMarkAreForeignNeverAnswers() throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start();
                TestEcho reflector = TestEcho.start().markReplies(false)) {
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(reflector.address()).interval(Duration.ofMillis(50)).classifier(FAST).rounds(4)
                    .listener(rec).start();
            try {
                assertThat(rec.awaitFinished(Duration.ofSeconds(10))).isTrue();
                assertThat(rec.rounds()).hasSize(4).allSatisfy(r -> assertThat(r.rttNanos()).isNegative());
                assertThat(reactor.call(prober::foreign)).isEqualTo(4);
                assertThat(reactor.call(prober::late)).isZero();
            } finally {
                prober.close();
            }
        }
    }

    @Test
    void aSecondReplyIsADuplicateAndOneSampleEach() throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start(); TestEcho echo = TestEcho.start().copies(2)) {
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(echo.address()).interval(Duration.ofMillis(50)).classifier(FAST).rounds(6)
                    .listener(rec).start();
            try {
                assertThat(rec.awaitFinished(Duration.ofSeconds(10))).isTrue();
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> prober.duplicates() == 6, "six duplicates");
                ProbeStats.Figures f = reactor.call(() -> prober.targets().get(0).stats().snapshot().lifetime());
                System.out.println("echo answering twice: " + f);
                assertThat(f.sent()).isEqualTo(6);
                assertThat(f.received()).isEqualTo(6);
                assertThat(f.duplicates()).isEqualTo(6);
                assertThat(f.lost() + f.late()).isZero();
                assertThat(rec.rounds()).as("one round per probe, not per reply").hasSize(6)
                        .allSatisfy(r -> assertThat(r.rttNanos()).isNotNegative());
                assertThat(reactor.call(prober::late)).isZero();
                assertThat(reactor.call(prober::foreign)).isZero();
            } finally {
                prober.close();
            }
        }
    }

    @Test
    void foreignDatagramsAreCountedAndNeverSamples() throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start(); TestEcho echo = TestEcho.start();
                DatagramSocket stranger = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(echo.address()).interval(Duration.ofMillis(50)).classifier(FAST)
                    .listener(rec).start();
            try {
                assertThat(rec.awaitRounds(3, Duration.ofSeconds(5))).isTrue();
                byte[] genuine = echo.lastDatagram();
                assertThat(ProbePacket.isProbe(ByteBuffer.wrap(genuine))).isTrue();
                int id = ProbePacket.proberId(ByteBuffer.wrap(genuine));

                int sent = 0;
                Random random = new Random(42);
                for (int i = 1; i <= 10; i++) {
                    byte[] junk = new byte[i * 10];
                    random.nextBytes(junk);
                    junk[0] = 'X'; // never the magic
                    sent += send(stranger, prober, junk);
                }
                sent += send(stranger, prober, new byte[0]);
                sent += send(stranger, prober, "ping".getBytes());
                for (int i = 0; i < 5; i++) {
                    ByteBuffer other = ByteBuffer.allocate(ProbePacket.HEADER_BYTES);
                    ProbePacket.encode(other, id ^ (0x5A5A5A5A + i), 1 + i, System.nanoTime(),
                            ProbePacket.HEADER_BYTES);
                    sent += send(stranger, prober, other.array());
                }
                sent += send(stranger, prober, genuine); // a real probe of ours, from the wrong address
                ByteBuffer never = ByteBuffer.allocate(ProbePacket.HEADER_BYTES);
                ProbePacket.encode(never, id, 1L << 40, System.nanoTime(), ProbePacket.HEADER_BYTES);
                sent += send(stranger, prober, never.array()); // our id, a sequence never sent
                final int expected = sent;
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> prober.foreign() == expected,
                        "all " + expected + " foreign datagrams counted");
                assertThat(rec.awaitRounds(rec.rounds().size() + 3, Duration.ofSeconds(5)))
                        .as("probing goes on").isTrue();
            } finally {
                prober.close();
            }
            ProbeStats.Figures f = reactor.call(() -> prober.targets().get(0).stats().snapshot().lifetime());
            long replies = rec.rounds().stream().filter(r -> r.rttNanos() >= 0).count();
            System.out.println("foreign datagrams " + reactor.call(prober::foreign) + ", target: " + f);
            assertThat(f.received()).as("samples are exactly the echo's replies").isEqualTo(replies);
            assertThat(f.late() + f.duplicates()).isZero();
            assertThat(reactor.call(prober::late)).isZero();
            assertThat(f.maxNanos()).isLessThan(FAST.timeout().toNanos());
            assertThat(rec.states()).containsExactly(LinkState.NORMAL);
        }
    }

    private static int send(DatagramSocket from, LatencyProber to, byte[] data) throws IOException {
        from.send(new DatagramPacket(data, data.length, to.localAddress()));
        return 1;
    }
}
