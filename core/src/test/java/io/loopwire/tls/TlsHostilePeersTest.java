package io.loopwire.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.tcp.CloseReason;
import io.loopwire.tcp.TcpConnection;
import io.loopwire.tcp.TcpHandler;
import io.loopwire.tcp.TcpServer;
import io.loopwire.testkit.ExternalProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Peers a TLS server must survive: an old protocol version, garbage instead of a ClientHello, half a ClientHello and
 * silence, a FIN without {@code close_notify} in the middle of a line, and a TLS 1.2 renegotiation. Each is closed
 * with its own {@link CloseReason}, and a handler never hears of a connection whose handshake failed.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsHostilePeersTest {
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(700);

    private final ConcurrentLinkedQueue<String> frames = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    private Reactor reactor;
    private TcpServer server;

    @BeforeEach
    void start() throws Exception {
        reactor = new Reactor("tls-hostile").start();
        server = TcpServer.builder(reactor)
                .tls(TlsConfig.server(TlsFixture.serverContext()).handshakeTimeout(HANDSHAKE_TIMEOUT).build())
                .handler(new TcpHandler() {
                    @Override
                    public void onConnected(TcpConnection connection) {
                        events.add("connected");
                    }

                    @Override
                    public void onFrame(TcpConnection connection, ByteBuffer frame) {
                        frames.add(StandardCharsets.UTF_8.decode(frame).toString());
                    }

                    @Override
                    public void onClosed(TcpConnection connection, CloseReason reason) {
                        events.add("closed " + reason);
                    }
                }).start();
    }

    @AfterEach
    void stop() {
        reactor.close();
    }

    private long closed(CloseReason reason) throws Exception {
        return reactor.call(() -> server.stats().closed(reason));
    }

    private Socket raw() throws Exception {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    @Test
    void garbageInsteadOfAClientHelloIsClosedAtOnceAndCounted() throws Exception {
        try (Socket socket = raw()) {
            long start = System.nanoTime();
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // an alert, perhaps; then the end
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HANDSHAKE_TIMEOUT);
        }
        Poll.until(() -> closed(CloseReason.TLS_HANDSHAKE_FAILED) == 1, "the garbage counted");
        assertThat(events).isEmpty();
    }

    @Test
    void halfAClientHelloThenSilenceIsClosedAtTheHandshakeTimeout() throws Exception {
        try (Socket socket = raw()) {
            long start = System.nanoTime();
            // A handshake record header announcing 512 bytes, and 16 of them.
            byte[] half = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03, 1, 2, 3, 4, 5};
            socket.getOutputStream().write(half);
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isGreaterThanOrEqualTo(HANDSHAKE_TIMEOUT.minusMillis(50)).isLessThan(Duration.ofSeconds(5));
        }
        Poll.until(() -> closed(CloseReason.TLS_HANDSHAKE_TIMEOUT) == 1, "the timeout counted");
        assertThat(events).isEmpty();
    }

    @Test
    void aFinWithoutCloseNotifyMidLineIsATruncationAndTheHalfLineIsNeverDelivered() throws Exception {
        try (Socket socket = raw()) {
            SSLSocket tls = (SSLSocket) TlsFixture.clientContext().getSocketFactory()
                    .createSocket(socket, "localhost", socket.getPort(), false);
            OutputStream out = tls.getOutputStream();
            out.write("a whole line\nhalf a li".getBytes(StandardCharsets.UTF_8));
            out.flush();
            Poll.until(() -> frames.contains("a whole line"), "the whole line");
            socket.shutdownOutput(); // TCP FIN under the TLS layer: no close_notify
            Poll.until(() -> closed(CloseReason.TLS_TRUNCATED) == 1, "the truncation");
        }
        assertThat(frames).containsExactly("a whole line");
        assertThat(events).containsExactly("connected", "closed TLS_TRUNCATED");
    }

    @Test
    void aCleanCloseAfterAWholeLineIsAPlainPeerClose() throws Exception {
        try (SSLSocket tls = (SSLSocket) TlsFixture.clientContext().getSocketFactory()
                .createSocket("localhost", server.localAddress().getPort())) {
            tls.getOutputStream().write("bye\n".getBytes(StandardCharsets.UTF_8));
            tls.getOutputStream().flush();
            Poll.until(() -> frames.contains("bye"), "the line");
        } // close() sends close_notify
        Poll.until(() -> events.contains("closed PEER_CLOSED"), "a plain close");
        assertThat(closed(CloseReason.TLS_TRUNCATED)).isZero();
    }

    @Test
    void tls11IsRefused() throws Exception {
        Assumptions.assumeTrue(ExternalProcess.onPath("openssl"), "openssl is not on PATH");
        // SECLEVEL=0 lets OpenSSL 3 offer TLS 1.1 at all; the server must still refuse it.
        try (ExternalProcess client = ExternalProcess.start("s_client", List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + server.localAddress().getPort(), "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"))) {
            client.closeStdin();
            assertThat(client.awaitExit()).as(client.describe()).isNotZero();
        }
        Poll.until(() -> closed(CloseReason.TLS_HANDSHAKE_FAILED) == 1, "the refused handshake counted");
        assertThat(events).isEmpty();
    }

    @Test
    void tls12RenegotiationIsRefused() throws Exception {
        Assumptions.assumeTrue(ExternalProcess.onPath("openssl"), "openssl is not on PATH");
        try (ExternalProcess client = ExternalProcess.start("s_client", List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + server.localAddress().getPort(), "-tls1_2"))) { // (-ign_eof would turn commands off)
            client.sendLine("before");
            Poll.until(() -> frames.contains("before"), "a line before the renegotiation");
            client.sendLine("R"); // s_client's command: renegotiate (the hello goes out with the next I/O)
            client.sendLine("after");
            Poll.until(() -> events.contains("closed TLS_PROTOCOL_ERROR"), "the renegotiation refused");
        }
        assertThat(frames).containsExactly("before");
    }
}
