package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 3,000 UDP members join at once and expire together while a pinger pings: every ping is answered, and the
 * join/leave notices stay within the notice budget (announced one by one only while the budget lasts, then counted
 * in one summary line a second) instead of the ~4.5 million sends (per direction) that announcing each to everyone would cost. The RTT
 * of the pings is printed, not asserted (timing belongs to the benchmarks, not to a test on a shared machine).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpChurnTest {
    private static final int SOURCES = 3_000;
    private static final Duration IDLE = Duration.ofSeconds(2);

    @Test
    void threeThousandJoinAndExpireWhileEveryPingIsAnswered() throws Exception {
        List<DatagramChannel> sources = new ArrayList<>();
        try (RunningServer chat = RunningServer.start(b -> b.udpIdleTimeout(IDLE));
                LineClient watcher = LineClient.connect(chat.tcp());
                DatagramChannel pinger = DatagramChannel.open()) {
            pinger.bind(new InetSocketAddress("127.0.0.1", 0));
            for (int i = 0; i < SOURCES; i++) {
                DatagramChannel source = DatagramChannel.open();
                sources.add(source);
                source.bind(new InetSocketAddress("127.0.0.1", 0));
            }
            Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == 1, "the watcher to join");
            UdpRelay relay = chat.server.udpRelay();
            long start = System.nanoTime();
            long sentBefore = chat.reactor.call(() -> chat.server.udpEndpoint().stats().datagramsOut());

            Pinger pings = new Pinger(pinger, chat.udp());
            Thread pingThread = new Thread(pings, "churn-pinger");
            pingThread.start();
            try {
                for (DatagramChannel source : sources) {
                    source.send(ByteBuffer.allocate(0), chat.udp()); // the original client's join
                }
                Poll.until(Duration.ofSeconds(30), () -> chat.udpMembers() + chat.reactor.call(relay::expired)
                        == SOURCES, "every source to join");
                Poll.until(Duration.ofSeconds(60), () -> chat.reactor.call(relay::expired) == SOURCES,
                        "every member to expire");
                assertThat(chat.udpMembers()).isZero();
            } finally {
                pings.stop.set(true);
                pingThread.join(10_000);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long sends = chat.reactor.call(() -> chat.server.udpEndpoint().stats().datagramsOut()) - sentBefore;

            assertThat(pings.failure).as("pinger failure").isNull();
            assertThat(pings.sent).as("pings sent").isGreaterThan(10);
            assertThat(pings.answered).as("pings answered of %d", pings.sent).isEqualTo(pings.sent);
            // Notices within budget (burst + rate x time), one summary a second to at most everyone, the pongs.
            long allowed = UdpRelay.DEFAULT_NOTICE_DELIVERIES_PER_SECOND * (1 + (long) Math.ceil(seconds))
                    + (SOURCES + 1) * (1 + (long) Math.ceil(seconds)) + pings.sent;
            assertThat(sends).as("datagrams sent in %.1f s", seconds).isLessThanOrEqualTo(allowed);
            assertThat(chat.reactor.call(relay::quietJoins)).isPositive();
            assertThat(chat.reactor.call(relay::quietLeaves)).isPositive();
            String summary = null;
            for (int i = 0; i < 2 * SOURCES + 10 && summary == null; i++) {
                String line = watcher.readLine();
                if (line.matches("\\* \\d+ joined, \\d+ left \\(too many to announce one by one\\)")) {
                    summary = line;
                }
            }
            assertThat(summary).as("a summary notice").isNotNull();

            long[] rtt = Arrays.copyOf(pings.rttNanos, pings.answered);
            Arrays.sort(rtt);
            System.out.printf("churn: %d joins + %d expiries in %.1f s, %d datagrams sent, %d pings all answered, "
                            + "rtt p50 %.2f ms p99 %.2f ms max %.2f ms (machine shared; not asserted)%n", SOURCES,
                    SOURCES, seconds, sends, pings.answered, rtt[rtt.length / 2] / 1e6,
                    rtt[(int) (rtt.length * 0.99)] / 1e6, rtt[rtt.length - 1] / 1e6);
        } finally {
            for (DatagramChannel source : sources) {
                source.close();
            }
        }
    }

    /** One ping in flight, a few milliseconds apart; a ping not answered within 5 s is a failure. */
    private static final class Pinger implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        final long[] rttNanos = new long[100_000];
        private final DatagramChannel channel;
        private final InetSocketAddress server;
        volatile int sent;
        volatile int answered;
        volatile Throwable failure;

        Pinger(DatagramChannel channel, InetSocketAddress server) {
            this.channel = channel;
            this.server = server;
        }

        @Override
        public void run() {
            ByteBuffer reply = ByteBuffer.allocate(64);
            try {
                channel.socket().setSoTimeout(5_000);
                while (!stop.get() && sent < rttNanos.length) {
                    long t0 = System.nanoTime();
                    channel.send(ByteBuffer.wrap(new byte[] {'p', 'i', 'n', 'g'}), server);
                    sent++;
                    reply.clear();
                    try {
                        channel.socket().receive(new java.net.DatagramPacket(reply.array(), 64));
                    } catch (SocketTimeoutException e) {
                        failure = new AssertionError("ping " + sent + " got no answer within 5 s");
                        return;
                    }
                    rttNanos[answered++] = System.nanoTime() - t0;
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // pacing, not synchronisation
                }
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
        }
    }
}
