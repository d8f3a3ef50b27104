package io.loopwire.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A burst of sends through a tiny kernel send buffer: when the kernel reports the buffer full ({@code send} returns
 * 0), datagrams wait in a bounded queue and beyond the bound are dropped and counted; never an exception.
 *
 * <p>On Linux loopback the sender's buffer is released as soon as the datagram is handed to the receiving socket
 * (or dropped there), so {@code send} may never report a full buffer; then nothing may be queued or dropped and
 * every datagram must count as sent. The test checks whichever happened, and says which.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DatagramSendQueueBoundTest {
    private static final int MAX_QUEUED = 16;
    private static final int BURST = 20_000;

    @Test
    void burstBeyondTheKernelBufferIsBoundedAndCounted() throws Exception {
        try (Reactor reactor = new Reactor("udp-send-queue").start();
                UdpEndpoint endpoint = UdpEndpoint.builder(reactor).handler((e, s, d) -> { })
                        .sendBufferBytes(1).maxQueuedDatagrams(MAX_QUEUED).start();
                DatagramChannel sink = DatagramChannel.open()) {
            sink.bind(new InetSocketAddress("127.0.0.1", 0)); // nobody reads it
            InetSocketAddress target = (InetSocketAddress) sink.getLocalAddress();
            ByteBuffer payload = ByteBuffer.allocate(8 * 1024);
            int[] refused = new int[1];
            long[] maxWaiting = new long[1];
            reactor.call(() -> {
                UdpStats s = endpoint.stats();
                for (int i = 0; i < BURST; i++) {
                    if (!endpoint.send(target, payload.duplicate())) {
                        refused[0]++;
                    }
                    // Every accepted datagram is either handed to the kernel already or waiting in the queue.
                    long accepted = i + 1 - s.dropped() - s.sendErrors();
                    maxWaiting[0] = Math.max(maxWaiting[0], accepted - s.datagramsOut());
                }
                return null;
            });
            UdpStats stats = reactor.call(endpoint::stats);
            long queued = reactor.call(stats::queued);
            long dropped = reactor.call(stats::dropped);
            long sendErrors = reactor.call(stats::sendErrors);
            assertThat(sendErrors).isZero();
            assertThat(refused[0]).isEqualTo(dropped);
            if (queued == 0) {
                System.out.printf("udp send queue: the kernel never reported a full send buffer on loopback (%d sends "
                        + "of 8 KiB with SO_SNDBUF=1): nothing queued, nothing dropped%n", BURST);
                assertThat(dropped).isZero();
                assertThat(maxWaiting[0]).isZero();
                assertThat(reactor.call(stats::datagramsOut)).isEqualTo(BURST);
            } else {
                System.out.printf("udp send queue: %d queued, %d dropped of %d sends%n", queued, dropped, BURST);
                assertThat(dropped).isPositive();
                assertThat(maxWaiting[0]).isLessThanOrEqualTo(MAX_QUEUED);
                // What was queued drains once the kernel takes it again: every accepted datagram goes out.
                Poll.onLoopUntil(reactor, () -> stats.datagramsOut() == BURST - dropped, "the queue to drain");
            }
            // Either way the endpoint is still usable.
            assertThat(reactor.call(() -> endpoint.send(target, ByteBuffer.wrap(new byte[] {1})))).isTrue();
        }
    }
}
