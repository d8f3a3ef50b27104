package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.Reactor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TcpClientTest {

    @Test
    void clientAndServerOnOneLoopExchangeLines() throws Exception {
        try (Reactor reactor = new Reactor("client-test").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(SocketEchoTest.ECHO).start();
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            TcpClient client = TcpClient.builder(reactor)
                    .handler((connection, frame) -> received.add(StandardCharsets.UTF_8.decode(frame).toString()))
                    .build();
            TcpConnection connection = client.connect(server.localAddress()).get(5, TimeUnit.SECONDS);
            reactor.execute(() -> {
                connection.send(ByteBuffer.wrap("one\ntwo\n".getBytes(StandardCharsets.UTF_8)));
            });
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("one");
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("two");
            assertThat(reactor.call(() -> client.stats().open())).isEqualTo(1);
            client.close();
            assertThat(reactor.call(() -> client.stats().open())).isZero();
        }
    }

    @Test
    void connectingToAClosedPortFails() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (Reactor reactor = new Reactor("client-test").start()) {
            TcpClient client = TcpClient.builder(reactor).handler((c, f) -> { }).build();
            assertThatThrownBy(() -> client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                    .get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("Connection refused");
        }
    }
}
