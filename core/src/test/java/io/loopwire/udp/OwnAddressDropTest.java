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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A datagram whose source is the endpoint's own address is dropped and counted, never handed to the handler. The
 * datagram here really has that source: the endpoint's own socket sends it to itself, which is what a packet
 * spoofed with the server's address looks like on arrival (same source address and port). Against an echoing
 * handler, without the drop, that single datagram would bounce forever at full speed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OwnAddressDropTest {

    @Test
    void datagramFromOwnAddressIsDroppedNotEchoedForever() throws Exception {
        AtomicLong handled = new AtomicLong();
        UdpHandler echo = (endpoint, sender, data) -> {
            handled.incrementAndGet();
            endpoint.send(sender, data);
        };
        try (Reactor reactor = new Reactor("udp-self").start();
                UdpEndpoint endpoint = UdpEndpoint.builder(reactor).handler(echo).start();
                DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            reactor.call(() -> endpoint.send(endpoint.localAddress(),
                    ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII))));
            Poll.onLoopUntil(reactor, () -> endpoint.stats().fromSelf() == 1, "the datagram from ourselves to arrive");

            long before = reactor.call(() -> reactor.stats().turns());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
            assertThat(reactor.call(() -> reactor.stats().turns()) - before)
                    .as("loop turns in 300 ms after the datagram (an echo loop makes 10^5+)").isLessThan(1_000);
            assertThat(reactor.call(() -> endpoint.stats().fromSelf())).isEqualTo(1);
            assertThat(handled.get()).as("the handler never saw it").isZero();

            // Others are still served.
            client.setSoTimeout((int) Poll.PATIENCE.toMillis());
            client.send(new DatagramPacket(new byte[] {'h', 'i'}, 2, endpoint.localAddress()));
            DatagramPacket reply = new DatagramPacket(new byte[16], 16);
            client.receive(reply);
            assertThat(reply.getLength()).isEqualTo(2);
            assertThat(handled.get()).isEqualTo(1);
        }
    }
}
