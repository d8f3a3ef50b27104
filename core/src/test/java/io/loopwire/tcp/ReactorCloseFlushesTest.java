package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Reactor#close()} is graceful: what is queued for a connected peer that keeps reading is delivered in full
 * before the connection closes ({@link CloseReason#SHUTDOWN}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReactorCloseFlushesTest {
    private static final int QUEUED_BYTES = 12 * 1024 * 1024;

    @Test
    void closeFlushesQueuedWritesToAReadingPeer() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        Reactor reactor = new Reactor("close-flush").start();
        TcpServer server = TcpServer.builder(reactor).handler(handler).maxOutboundBytes(64 * 1024 * 1024).start();
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024);
            client.setSoTimeout((int) Poll.PATIENCE.toMillis());
            client.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()));
            TcpConnection connection = handler.awaitConnection(client);
            reactor.call(() -> {
                for (long at = 0; at < QUEUED_BYTES; at += 64 * 1024) {
                    connection.send(SocketSlowReaderTest.pattern(at, 64 * 1024));
                }
                return null;
            });
            Poll.onLoopUntil(reactor, () -> server.stats().bytesOut() > 0, "the first flush");
            long queuedAtClose = reactor.call(connection::queuedBytes);
            assertThat(queuedAtClose).as("still queued when close() is called").isPositive();

            AtomicReference<Throwable> readerError = new AtomicReference<>();
            long[] endOfStream = new long[1];
            Thread reader = new Thread(() -> {
                try {
                    SocketPartialWriteTest.readAndVerify(client.getInputStream(), 0, QUEUED_BYTES);
                    endOfStream[0] = client.getInputStream().read();
                } catch (Throwable t) {
                    readerError.set(t);
                }
            }, "close-flush-reader");
            reader.start();
            reactor.close(); // from the test thread; returns when the loop has finished
            assertThat(reactor.awaitTermination(java.time.Duration.ZERO)).isTrue();
            reader.join(Poll.PATIENCE.toMillis());
            assertThat(reader.isAlive()).isFalse();
            assertThat(readerError.get()).isNull();
            assertThat(endOfStream[0]).as("end of stream after every byte").isEqualTo(-1);
            assertThat(handler.closed).containsEntry(client.getLocalPort(), CloseReason.SHUTDOWN);
            System.out.printf("close: %d bytes were queued at close(), all delivered%n", queuedAtClose);
        } finally {
            reactor.close();
            server.close(); // after the reactor: must be harmless
        }
    }
}
