package io.loopwire.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An empty datagram waiting in the send queue leaves like any other, and the selector goes quiet afterwards.
 * {@code DatagramChannel.send} returns 0 both for "kernel buffer full" and for a sent empty datagram; reading every 0
 * as "full" kept the empty datagram queued forever with {@code OP_WRITE} set: a selector spinning at 100% of a core.
 *
 * <p>What is simulated: Linux loopback never reports a full send buffer (the sender's memory is released as soon as
 * the receiving socket takes the datagram), so the datagrams are put in the queue the way a full buffer would put
 * them there ({@code enqueueForTest}); from there on the real flush path sends them through a real socket.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ZeroLengthDatagramQueueTest {

    @Test
    void queuedEmptyDatagramIsSentAndWriteInterestCleared() throws Exception {
        try (Reactor reactor = new Reactor("udp-empty-queue").start();
                UdpEndpoint endpoint = UdpEndpoint.builder(reactor).handler((e, s, d) -> { }).start();
                DatagramSocket receiver = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            receiver.setSoTimeout((int) Poll.PATIENCE.toMillis());
            InetSocketAddress target = (InetSocketAddress) receiver.getLocalSocketAddress();
            reactor.call(() -> {
                endpoint.enqueueForTest(target, ByteBuffer.allocate(0));
                endpoint.enqueueForTest(target, ByteBuffer.wrap("after".getBytes(StandardCharsets.US_ASCII)));
                return null;
            });

            DatagramPacket packet = new DatagramPacket(new byte[64], 64);
            receiver.receive(packet);
            assertThat(packet.getLength()).as("the empty datagram arrives first").isZero();
            receiver.receive(packet);
            assertThat(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII))
                    .isEqualTo("after");
            Poll.onLoopUntil(reactor, () -> endpoint.queuedNow() == 0 && !endpoint.waitingForWritable(),
                    "the queue to empty and OP_WRITE to be cleared");
            assertThat(reactor.call(() -> endpoint.stats().datagramsOut())).isEqualTo(2);

            // Quiet now: with nothing to do, the loop blocks in select instead of turning.
            long before = reactor.call(() -> reactor.stats().turns());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
            long turns = reactor.call(() -> reactor.stats().turns()) - before;
            assertThat(turns).as("loop turns in 300 ms of idleness (a spinning selector makes 10^5+)")
                    .isLessThan(1_000);
        }
    }
}
