package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.loopwire.AllocationWindows;
import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The UDP hot paths allocate nothing in steady state on the loop thread: the server's ping echo, and the prober's
 * send, match and expiry. Measured as bytes allocated by the reactor thread per datagram.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProbeAllocationOnLoopTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void pingEchoAllocatesNothingPerPing() throws Exception {
        assumeThat(THREADS.isThreadAllocatedMemorySupported()).as("per-thread allocation counter").isTrue();
        try (Reactor reactor = new Reactor("echo-allocation").start();
                DatagramChannel client = DatagramChannel.open()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
            client.connect(server.udpAddress());
            ByteBuffer ping = ByteBuffer.wrap(new byte[] {'p', 'i', 'n', 'g'});
            ByteBuffer reply = ByteBuffer.allocate(64);
            pings(client, ping, reply, 20_000); // warm-up
            int count = 10_000;
            long least = AllocationWindows.least(() -> {
                long before = reactor.call(THREADS::getCurrentThreadAllocatedBytes);
                pings(client, ping, reply, count);
                return reactor.call(THREADS::getCurrentThreadAllocatedBytes) - before;
            });
            double perPing = (double) least / count;
            System.out.printf("[figures] ping echo allocation: %.2f bytes per ping (reactor thread)%n", perPing);
            assertThat(perPing).isLessThan(2.0);
        }
    }

    private static void pings(DatagramChannel client, ByteBuffer ping, ByteBuffer reply, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            ping.clear();
            client.write(ping);
            reply.clear();
            client.read(reply); // blocking: one in flight
        }
    }

    /**
     * One target, so every reply comes from the address the JDK cached for the previous datagram: with many targets,
     * {@code DatagramChannel.receive} builds a new {@code InetSocketAddress} (about 100 bytes) whenever the sender
     * changes, which no code of ours can avoid short of one connected socket per target.
     */
    @Test
    void proberAllocatesNothingPerProbe() throws Exception {
        assumeThat(THREADS.isThreadAllocatedMemorySupported()).as("per-thread allocation counter").isTrue();
        try (Reactor echoLoop = new Reactor("probe-echo").start();
                Reactor proberLoop = new Reactor("prober-allocation").start()) {
            ChatServer echo = ChatServer.builder(echoLoop).tcpPort(0).udpPort(0).start();
            int warmUp = 1_500;
            int window = 500;
            int measured = window * AllocationWindows.WINDOWS;
            CountDownLatch done = new CountDownLatch(1);
            long[] marks = new long[AllocationWindows.WINDOWS + 1];
            LatencyProber prober = LatencyProber.builder(proberLoop)
                    .target(echo.udpAddress())
                    .interval(Duration.ofMillis(1))
                    .rounds(warmUp + measured)
                    .listener(new ProbeListener() {
                        private int rounds;

                        @Override
                        public void onRound(ProbeTarget target, long rttNanos, LinkState state) {
                            int r = ++rounds - warmUp;
                            if (r >= 0 && r % window == 0 && r / window < AllocationWindows.WINDOWS) {
                                marks[r / window] = THREADS.getCurrentThreadAllocatedBytes();
                            }
                        }

                        @Override
                        public void onFinished() {
                            marks[AllocationWindows.WINDOWS] = THREADS.getCurrentThreadAllocatedBytes();
                            done.countDown();
                        }
                    })
                    .start();
            Poll.await(done, "all rounds");
            long[] perWindow = new long[AllocationWindows.WINDOWS];
            for (int i = 0; i < perWindow.length; i++) {
                perWindow[i] = marks[i + 1] - marks[i];
            }
            double perProbe = (double) AllocationWindows.least(perWindow) / window;
            System.out.printf("[figures] prober allocation: %.2f bytes per probe (least of %d windows of %d probes,"
                    + " reactor thread)%n", perProbe, AllocationWindows.WINDOWS, window);
            assertThat(proberLoop.call(() -> prober.targets().get(0).stats().lost())).isZero();
            assertThat(perProbe).isLessThan(2.0);
            prober.close();
        }
    }
}
