package io.loopwire.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sending to a closed port draws ICMP port-unreachable errors; whether the JDK reports them on an unconnected socket
 * (as {@code PortUnreachableException}) or the kernel swallows them, the endpoint never closes and keeps serving.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DatagramPortUnreachableTest {

    @Test
    void unreachablePortNeverClosesTheEndpoint() throws Exception {
        InetSocketAddress closedPort;
        try (DatagramSocket gone = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            closedPort = (InetSocketAddress) gone.getLocalSocketAddress();
        }
        // Every datagram received is echoed, and also forwarded to the closed port.
        UdpHandler handler = (endpoint, sender, data) -> {
            endpoint.send(closedPort, data.duplicate());
            endpoint.send(sender, data);
        };
        try (Reactor reactor = new Reactor("udp-unreachable").start();
                UdpEndpoint endpoint = UdpEndpoint.builder(reactor).handler(handler).start();
                DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout((int) Poll.PATIENCE.toMillis());
            reactor.call(() -> {
                for (int i = 0; i < 1_000; i++) {
                    endpoint.send(closedPort, ByteBuffer.wrap(new byte[] {(byte) i}));
                }
                return null;
            });
            for (int i = 0; i < 200; i++) {
                byte[] payload = ("echo " + i).getBytes();
                client.send(new DatagramPacket(payload, payload.length, endpoint.localAddress()));
                DatagramPacket reply = new DatagramPacket(new byte[64], 64);
                client.receive(reply);
                assertThat(new String(reply.getData(), 0, reply.getLength())).isEqualTo("echo " + i);
            }
            UdpStats stats = reactor.call(endpoint::stats);
            System.out.printf("udp unreachable: %s (an unconnected socket on Linux is not told of ICMP errors, so "
                    + "the error counters may stay at zero)%n", reactor.call(stats::toString));
            assertThat(reactor.call(stats::datagramsIn)).isEqualTo(200);
            assertThat(reactor.call(() -> reactor.stats().handlerErrors())).isZero();
        }
    }
}
