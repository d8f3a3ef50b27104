package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The peer shuts its output down (EOF) while we still have data queued for it: everything queued is flushed, then
 * the connection closes with {@link CloseReason#PEER_CLOSED}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketHalfClosedTest {
    private static final int BULK_BYTES = 4 * 1024 * 1024;

    /** On the frame "bulk" queues {@link #BULK_BYTES} pattern bytes; echoes anything else. */
    private static RecordingHandler bulkHandler() {
        return new RecordingHandler() {
            @Override
            public void onFrame(TcpConnection connection, ByteBuffer frame) {
                if (StandardCharsets.US_ASCII.decode(frame.duplicate()).toString().equals("bulk")) {
                    for (long at = 0; at < BULK_BYTES; at += 64 * 1024) {
                        connection.send(SocketSlowReaderTest.pattern(at, 64 * 1024));
                    }
                } else {
                    super.onFrame(connection, frame);
                }
            }
        };
    }

    @Test
    void halfCloseFlushesPendingDataThenCloses() throws Exception {
        RecordingHandler handler = bulkHandler();
        try (Reactor reactor = new Reactor("half-close").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).maxOutboundBytes(16 * 1024 * 1024).start();
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(32 * 1024);
                client.setSoTimeout((int) Poll.PATIENCE.toMillis());
                client.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()));
                TcpConnection connection = handler.awaitConnection(client);
                client.getOutputStream().write("bulk\n".getBytes(StandardCharsets.US_ASCII));
                client.shutdownOutput();
                // The server sees our EOF while most of the 4 MiB is still queued (we have not read anything yet).
                Poll.onLoopUntil(reactor, () -> !connection.isOpen(), "the server to see the half-close");
                assertThat(reactor.call(connection::queuedBytes)).as("still queued at EOF").isPositive();
                assertThat(handler.closed).doesNotContainKey(client.getLocalPort());

                SocketPartialWriteTest.readAndVerify(client.getInputStream(), 0, BULK_BYTES);
                assertThat(client.getInputStream().read()).as("end of stream after the data").isEqualTo(-1);
                assertThat(handler.awaitClosed(client)).isEqualTo(CloseReason.PEER_CLOSED);
                assertThat(reactor.call(() -> server.stats().bytesOut())).isEqualTo(BULK_BYTES);
                assertThat(reactor.call(() -> server.stats().open())).isZero();
            }
        }
    }

    @Test
    void linesSentBeforeTheHalfCloseAreAllAnswered() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        try (Reactor reactor = new Reactor("half-close-lines").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).start();
            try (Socket client = SocketFramingTest.connect(server)) {
                OutputStream out = client.getOutputStream();
                StringBuilder lines = new StringBuilder();
                for (int i = 0; i < 5_000; i++) {
                    lines.append("line ").append(i).append('\n');
                }
                out.write(lines.toString().getBytes(StandardCharsets.US_ASCII));
                client.shutdownOutput();
                BufferedReader in = SocketFramingTest.reader(client);
                for (int i = 0; i < 5_000; i++) {
                    assertThat(in.readLine()).isEqualTo("line " + i);
                }
                assertThat(in.readLine()).as("end of stream").isNull();
                assertThat(handler.awaitClosed(client)).isEqualTo(CloseReason.PEER_CLOSED);
            }
        }
    }

    @Test
    void halfCloseWithNothingQueuedClosesAtOnce() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        try (Reactor reactor = new Reactor("half-close-idle").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).start();
            try (Socket client = SocketFramingTest.connect(server)) {
                handler.awaitConnection(client);
                long start = System.nanoTime();
                client.shutdownOutput();
                assertThat(client.getInputStream().read()).isEqualTo(-1);
                assertThat(handler.awaitClosed(client)).isEqualTo(CloseReason.PEER_CLOSED);
                // Well within the 2 s close timeout: the close did not wait for it.
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1_500);
                assertThat(reactor.call(() -> server.stats().open())).isZero();
            }
        }
    }
}
