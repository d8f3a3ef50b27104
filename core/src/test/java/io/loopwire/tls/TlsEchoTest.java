package io.loopwire.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.tcp.CloseReason;
import io.loopwire.tcp.TcpClient;
import io.loopwire.tcp.TcpConnection;
import io.loopwire.tcp.TcpHandler;
import io.loopwire.tcp.TcpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A TLS {@link TcpServer} echoes lines to JDK {@code SSLSocket} clients (TLS 1.3 and 1.2) and to a TLS
 * {@link TcpClient} on the same loop; the client verifies the certificate's host name.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsEchoTest {

    /** Echoes each line back with a newline. */
    private static final TcpHandler ECHO = (connection, line) -> {
        ByteBuffer reply = ByteBuffer.allocate(line.remaining() + 1);
        reply.put(line).put((byte) '\n').flip();
        connection.send(reply);
    };

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void sslSocketClientGetsItsLinesBack(String protocol) throws Exception {
        try (Reactor reactor = new Reactor("tls-echo").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(ECHO)
                    .tls(TlsConfig.server(TlsFixture.serverContext()).build()).start();
            try (SSLSocket socket = (SSLSocket) TlsFixture.clientContext().getSocketFactory()
                    .createSocket("localhost", server.localAddress().getPort())) {
                socket.setEnabledProtocols(new String[] {protocol});
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                StringBuilder big = new StringBuilder();
                for (int i = 0; i < 40_000; i++) {
                    big.append((char) ('a' + i % 26));
                }
                for (String line : List.of("hello", "second line", big.toString(), "after the big one")) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    assertThat(in.readLine()).isEqualTo(line);
                }
                assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
            }
            Poll.onLoopUntil(reactor, () -> server.stats().open() == 0, "the server closed its side");
            long handshakes = reactor.call(() -> server.stats().tlsHandshakes());
            assertThat(handshakes).isEqualTo(1);
        }
    }

    @Test
    void tcpClientVerifiesTheHostNameAndTalks() throws Exception {
        ConcurrentLinkedQueue<String> heard = new ConcurrentLinkedQueue<>();
        try (Reactor reactor = new Reactor("tls-client").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(ECHO)
                    .tls(TlsConfig.server(TlsFixture.serverContext()).build()).start();
            TcpClient client = TcpClient.builder(reactor)
                    .handler((connection, line) -> heard.add(StandardCharsets.UTF_8.decode(line).toString()))
                    .tls(TlsConfig.client(TlsFixture.clientContext()).build()).build();
            int port = server.localAddress().getPort();
            TcpConnection c = client.connect(new InetSocketAddress("localhost", port)).get(10, TimeUnit.SECONDS);
            reactor.execute(() -> c.send(ByteBuffer.wrap("over tls\n".getBytes(StandardCharsets.UTF_8))));
            Poll.until(() -> heard.contains("over tls"), "the echo");
            assertThat(reactor.call(c::tlsProtocol)).isEqualTo("TLSv1.3");

            CompletableFuture<TcpConnection> byIp = client.connect(new InetSocketAddress("127.0.0.1", port));
            assertThatThrownBy(() -> byIp.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SSLHandshakeException.class);
            Poll.onLoopUntil(reactor, () -> client.stats().closed(CloseReason.TLS_HANDSHAKE_FAILED) == 1,
                    "the refused handshake counted");
        }
    }
}
