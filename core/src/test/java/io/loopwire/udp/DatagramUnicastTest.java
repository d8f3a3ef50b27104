package io.loopwire.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Datagrams of every size (empty to nearly the UDP maximum) are echoed byte for byte through a {@link UdpEndpoint}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DatagramUnicastTest {

    /** Sends each datagram straight back to its sender. */
    static final UdpHandler ECHO = (endpoint, sender, data) -> endpoint.send(sender, data);

    @Test
    void echoesDatagramsOfEverySize() throws Exception {
        Random random = new Random(3);
        try (Reactor reactor = new Reactor("udp-echo").start();
                UdpEndpoint endpoint = UdpEndpoint.builder(reactor).handler(ECHO).start();
                DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout((int) Poll.PATIENCE.toMillis());
            client.setReceiveBufferSize(256 * 1024);
            int[] sizes = {0, 1, 2, 100, 1472, 1473, 8192, 65_000, 65_507};
            int count = 0;
            for (int round = 0; round < 50; round++) {
                for (int size : sizes) {
                    int n = round == 0 ? size : random.nextInt(size + 1);
                    byte[] payload = new byte[n];
                    random.nextBytes(payload);
                    client.send(new DatagramPacket(payload, n, endpoint.localAddress()));
                    DatagramPacket reply = new DatagramPacket(new byte[65_536], 65_536);
                    client.receive(reply);
                    assertThat(reply.getSocketAddress()).isEqualTo(endpoint.localAddress());
                    assertThat(Arrays.copyOf(reply.getData(), reply.getLength())).isEqualTo(payload);
                    count++;
                }
            }
            int expected = count;
            assertThat(reactor.call(() -> endpoint.stats().datagramsIn())).isEqualTo(expected);
            assertThat(reactor.call(() -> endpoint.stats().datagramsOut())).isEqualTo(expected);
            assertThat(reactor.call(() -> endpoint.stats().dropped())).isZero();
        }
    }

    @Test
    void echoesABurstFromManyClients() throws Exception {
        try (Reactor reactor = new Reactor("udp-echo-burst").start();
                UdpEndpoint endpoint = UdpEndpoint.builder(reactor).handler(ECHO).receiveBufferBytes(1024 * 1024)
                        .start()) {
            DatagramSocket[] clients = new DatagramSocket[8];
            try {
                for (int c = 0; c < clients.length; c++) {
                    clients[c] = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                    clients[c].setSoTimeout((int) Poll.PATIENCE.toMillis());
                }
                // A burst of 20 small datagrams per client (well inside the buffers), more than one receive batch.
                for (int i = 0; i < 20; i++) {
                    for (int c = 0; c < clients.length; c++) {
                        byte[] payload = (c + ":" + i).getBytes();
                        clients[c].send(new DatagramPacket(payload, payload.length, endpoint.localAddress()));
                    }
                }
                for (int c = 0; c < clients.length; c++) {
                    for (int i = 0; i < 20; i++) {
                        DatagramPacket reply = new DatagramPacket(new byte[64], 64);
                        clients[c].receive(reply);
                        assertThat(new String(reply.getData(), 0, reply.getLength())).isEqualTo(c + ":" + i);
                    }
                }
            } finally {
                for (DatagramSocket client : clients) {
                    if (client != null) {
                        client.close();
                    }
                }
            }
        }
    }
}
