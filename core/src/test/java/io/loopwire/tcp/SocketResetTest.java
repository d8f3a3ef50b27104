package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.BufferedReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that resets its connection (close with {@code SO_LINGER} 0) is closed quietly with
 * {@link CloseReason#RESET}: no handler error, other connections unaffected, whether or not data was queued for it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketResetTest {

    @Test
    void peerResetClosesQuietlyWithReset() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        try (Reactor reactor = new Reactor("reset").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).start();
            try (Socket other = SocketFramingTest.connect(server)) {
                BufferedReader otherIn = SocketFramingTest.reader(other);
                Socket resetter = SocketFramingTest.connect(server);
                resetter.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(SocketFramingTest.reader(resetter).readLine()).isEqualTo("hi");
                resetter.setSoLinger(true, 0);
                resetter.close(); // sends RST

                assertThat(handler.awaitClosed(resetter)).isEqualTo(CloseReason.RESET);
                assertThat(reactor.call(() -> server.stats().closed(CloseReason.RESET))).isEqualTo(1);
                assertThat(reactor.call(() -> reactor.stats().handlerErrors())).isZero();
                other.getOutputStream().write("still fine\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(otherIn.readLine()).isEqualTo("still fine");
                assertThat(reactor.call(() -> server.stats().open())).isEqualTo(1);
            }
        }
    }

    @Test
    void peerResetWhileDataIsQueuedClosesWithReset() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        try (Reactor reactor = new Reactor("reset-queued").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).maxOutboundBytes(16 * 1024 * 1024).start();
            Socket resetter = new Socket();
            resetter.setReceiveBufferSize(4 * 1024);
            resetter.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()));
            TcpConnection connection = handler.awaitConnection(resetter);
            reactor.call(() -> {
                for (long at = 0; at < 8 * 1024 * 1024; at += 64 * 1024) {
                    connection.send(SocketSlowReaderTest.pattern(at, 64 * 1024));
                }
                return null;
            });
            Poll.onLoopUntil(reactor, () -> server.stats().bytesOut() > 0, "the first flush");
            assertThat(reactor.call(connection::queuedBytes)).as("waiting for OP_WRITE").isPositive();
            resetter.setSoLinger(true, 0);
            resetter.close();

            assertThat(handler.awaitClosed(resetter)).isEqualTo(CloseReason.RESET);
            assertThat(reactor.call(connection::queuedBytes)).as("queue released").isZero();
            assertThat(reactor.call(() -> reactor.stats().handlerErrors())).isZero();
            assertThat(reactor.call(() -> server.stats().open())).isZero();
        }
    }
}
