package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProberAgainstPingEchoTest {

    @Test
    void binaryProbesAreEchoedAndMeasured() throws Exception {
        assertMeasured(LatencyProber.Mode.BINARY);
    }

    @Test
    void textPingsAreAnsweredAndMeasured() throws Exception {
        assertMeasured(LatencyProber.Mode.TEXT);
    }

    private static void assertMeasured(LatencyProber.Mode mode) throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
            CountDownLatch finished = new CountDownLatch(1);
            List<LinkState> changes = new CopyOnWriteArrayList<>();
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(server.udpAddress())
                    .interval(Duration.ofMillis(20))
                    .mode(mode)
                    .rounds(20)
                    .listener(new ProbeListener() {
                        @Override
                        public void onStateChange(ProbeTarget target, LinkState from, LinkState to, long rtt) {
                            changes.add(to);
                        }

                        @Override
                        public void onFinished() {
                            finished.countDown();
                        }
                    })
                    .start();
            assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
            ProbeStats.Snapshot s = reactor.call(() -> prober.targets().get(0).stats().snapshot());
            assertThat(s.lifetime().sent()).isEqualTo(20);
            assertThat(s.lifetime().received()).isEqualTo(20);
            assertThat(s.lifetime().lost()).isZero();
            assertThat(s.lifetime().minNanos()).isPositive();
            assertThat(s.lifetime().maxNanos()).isLessThan(Duration.ofSeconds(2).toNanos());
            assertThat(changes).containsExactly(LinkState.NORMAL);
            assertThat(reactor.call(() -> mode == LatencyProber.Mode.TEXT
                    ? server.udpRelay().pingEcho().pingsAnswered()
                    : server.udpRelay().pingEcho().probesEchoed())).isEqualTo(20);
            assertThat(reactor.call(server.udpRelay()::memberCount)).as("probes never make members").isZero();
            prober.close();
        }
    }

    @Test
    void aSilentPortGoesPendingThenDown() throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start();
                DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            List<LinkState> changes = new CopyOnWriteArrayList<>();
            CountDownLatch down = new CountDownLatch(1);
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()))
                    .interval(Duration.ofMillis(50))
                    .classifier(ClassifierConfig.defaults().withSlow(Duration.ofMillis(20))
                            .withVerySlow(Duration.ofMillis(40)).withTimeout(Duration.ofMillis(100)))
                    .listener(new ProbeListener() {
                        @Override
                        public void onStateChange(ProbeTarget target, LinkState from, LinkState to, long rtt) {
                            changes.add(to);
                            if (to == LinkState.DOWN) {
                                down.countDown();
                            }
                        }
                    })
                    .start();
            assertThat(down.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(changes).containsExactly(LinkState.PENDING, LinkState.DOWN);
            assertThat(reactor.call(() -> prober.targets().get(0).stats().lost())).isGreaterThanOrEqualTo(3);
            prober.close();
        }
    }
}
