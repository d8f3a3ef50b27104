package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code tcp://} targets on loopback: a listening port is NORMAL with the connect time as its RTT; a closed port is
 * DOWN with the reason "refused"; a port whose backlog is full (a listener that never accepts) is DOWN with
 * "timeout". Every connect is closed again (the listener sees its connections end).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpProbeTest {
    private static final ClassifierConfig CONFIG = new ClassifierConfig(Duration.ofMillis(100),
            Duration.ofMillis(200), Duration.ofMillis(300), 2, 2);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void listeningPortIsNormalAndEveryConnectIsClosed() throws Exception {
        try (Reactor reactor = new Reactor("prober-test").start();
                ServerSocket listener = new ServerSocket(0, 50, LOOPBACK)) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = listener.accept();
                        synchronized (accepted) {
                            accepted.add(s);
                        }
                    }
                } catch (Exception closed) {
                    // the test is over
                }
            }, "test-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            Recorder rec = new Recorder();
            TargetSpec spec = new TargetSpec("db", ProbeKind.TCP,
                    new InetSocketAddress(LOOPBACK, listener.getLocalPort()));
            LatencyProber prober = LatencyProber.builder(reactor).target(spec).interval(Duration.ofMillis(50))
                    .classifier(CONFIG).listener(rec).start();
            try {
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, Duration.ofSeconds(10))).isTrue();
                assertThat(rec.awaitRounds(5, Duration.ofSeconds(10))).isTrue();
                for (Recorder.Round r : rec.rounds().subList(0, 5)) {
                    assertThat(r.rttNanos()).as("connect time").isPositive().isLessThan(300_000_000L);
                }
                ProbeTarget target = prober.targets().get(0);
                assertThat(target.kind()).isEqualTo(ProbeKind.TCP);
                assertThat(reactor.call(target::lastFailure)).isNull();
                // The prober closed each connection: the accepted sockets all read end of stream.
                Socket first;
                synchronized (accepted) {
                    first = accepted.isEmpty() ? null : accepted.get(0);
                }
                assertThat(first).isNotNull();
                first.setSoTimeout(5_000);
                assertThat(first.getInputStream().read()).isEqualTo(-1);
            } finally {
                prober.close();
                synchronized (accepted) {
                    for (Socket s : accepted) {
                        s.close();
                    }
                }
            }
        }
    }

    @Test
    void closedPortIsDownWithReasonRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort(); // free now: nothing listens there
        }
        try (Reactor reactor = new Reactor("prober-test").start()) {
            Recorder rec = new Recorder();
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(new TargetSpec("closed", ProbeKind.TCP, new InetSocketAddress(LOOPBACK, port)))
                    .interval(Duration.ofMillis(50)).classifier(CONFIG).listener(rec).start();
            try {
                assertThat(rec.awaitChangeTo(LinkState.DOWN, Duration.ofSeconds(10))).isTrue();
                ProbeTarget target = prober.targets().get(0);
                assertThat(reactor.call(target::lastFailure)).isEqualTo("refused");
                // Refused is answered at once: the losses did not wait for the timeout.
                assertThat(reactor.call(() -> target.stats().lost())).isGreaterThanOrEqualTo(2);
            } finally {
                prober.close();
            }
        }
    }

    @Test
    void listenerThatNeverAcceptsWithAFullBacklogIsDownWithReasonTimeout() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, LOOPBACK)) {
            InetSocketAddress address = new InetSocketAddress(LOOPBACK, listener.getLocalPort());
            // Fill the accept queue: with backlog 1 Linux completes about two handshakes, then drops SYNs.
            List<Socket> fillers = new ArrayList<>();
            try {
                boolean full = false;
                for (int i = 0; i < 8 && !full; i++) {
                    Socket s = new Socket();
                    fillers.add(s);
                    try {
                        s.connect(address, 300);
                    } catch (java.net.SocketTimeoutException e) {
                        full = true;
                    }
                }
                Assumptions.assumeTrue(full, "the kernel completed 8 handshakes on a backlog of 1: "
                        + "a full backlog cannot be made here, so a connect timeout cannot be tested this way");
                try (Reactor reactor = new Reactor("prober-test").start()) {
                    Recorder rec = new Recorder();
                    LatencyProber prober = LatencyProber.builder(reactor)
                            .target(new TargetSpec("blackhole", ProbeKind.TCP, address))
                            .interval(Duration.ofMillis(100)).classifier(CONFIG).listener(rec).start();
                    try {
                        assertThat(rec.awaitChangeTo(LinkState.DOWN, Duration.ofSeconds(15))).isTrue();
                        ProbeTarget target = prober.targets().get(0);
                        assertThat(reactor.call(target::lastFailure)).isEqualTo("timeout");
                        List<Recorder.Round> rounds = rec.rounds();
                        assertThat(rounds).allSatisfy(r -> assertThat(r.rttNanos()).isNegative());
                        // One connect in flight at most: probes due while one hangs are skipped, not piled up.
                        assertThat(reactor.call(prober::skipped)).isPositive();
                    } finally {
                        prober.close();
                    }
                }
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void reasonsAreReadFromTheJdksExceptions() {
        assertThat(TcpProbes.reason(new java.net.ConnectException("Connection refused"))).isEqualTo("refused");
        assertThat(TcpProbes.reason(new java.net.ConnectException("connect to x timed out after PT1S")))
                .isEqualTo("timeout");
        assertThat(TcpProbes.reason(new java.net.NoRouteToHostException("No route to host")))
                .isEqualTo("unreachable");
        assertThat(TcpProbes.reason(new java.net.SocketException("Network is unreachable")))
                .isEqualTo("unreachable");
        assertThat(TcpProbes.reason(new java.util.concurrent.CompletionException(
                new java.net.ConnectException("Connection refused")))).isEqualTo("refused");
        assertThat(TcpProbes.reason(new java.io.IOException("something else"))).isEqualTo("error");
    }
}
