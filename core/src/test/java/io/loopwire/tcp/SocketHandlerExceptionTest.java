package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A handler that throws while serving one connection closes that connection only ({@link CloseReason#HANDLER_ERROR},
 * counted by the reactor); the loop and the other connections carry on. A handler that closes a connection on
 * purpose is not an error.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketHandlerExceptionTest {

    /** Throws on "boom", closes on "/quit", echoes anything else. */
    private static RecordingHandler fragileHandler() {
        return new RecordingHandler() {
            @Override
            public void onFrame(TcpConnection connection, ByteBuffer frame) {
                String text = StandardCharsets.UTF_8.decode(frame.duplicate()).toString();
                if (text.equals("boom")) {
                    throw new IllegalStateException("handler failure on purpose");
                }
                if (text.equals("/quit")) {
                    connection.close();
                    return;
                }
                super.onFrame(connection, frame);
            }
        };
    }

    @Test
    void handlerExceptionClosesOnlyThatConnection() throws Exception {
        RecordingHandler handler = fragileHandler();
        try (Reactor reactor = new Reactor("handler-error").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).start();
            try (Socket victim = SocketFramingTest.connect(server);
                    Socket bystander = SocketFramingTest.connect(server)) {
                BufferedReader bystanderIn = SocketFramingTest.reader(bystander);
                OutputStream bystanderOut = bystander.getOutputStream();
                bystanderOut.write("before\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(bystanderIn.readLine()).isEqualTo("before");

                // (A reply queued in the same turn as the failure is discarded: close() drops the queue.)
                victim.getOutputStream().write("ok\nboom\nnever\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(handler.awaitClosed(victim)).isEqualTo(CloseReason.HANDLER_ERROR);
                assertThat(endsWithin(victim)).as("victim sees its connection end").isTrue();

                bystanderOut.write("after\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(bystanderIn.readLine()).isEqualTo("after");
                assertThat(reactor.call(() -> reactor.stats().handlerErrors())).isEqualTo(1);
                assertThat(reactor.call(() -> server.stats().closed(CloseReason.HANDLER_ERROR))).isEqualTo(1);
                assertThat(reactor.call(() -> server.stats().open())).isEqualTo(1);
                assertThat(handler.closed).doesNotContainKey(bystander.getLocalPort());

                // The server still accepts new connections.
                try (Socket late = SocketFramingTest.connect(server)) {
                    late.getOutputStream().write("late\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(SocketFramingTest.reader(late).readLine()).isEqualTo("late");
                }
            }
        }
    }

    @Test
    void handlerExceptionOnAFrameSplitAcrossReadsClosesOnlyThatConnection() throws Exception {
        RecordingHandler handler = fragileHandler();
        try (Reactor reactor = new Reactor("handler-error-split").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).start();
            try (Socket victim = SocketFramingTest.connect(server);
                    Socket bystander = SocketFramingTest.connect(server)) {
                writeSplit(reactor, server, victim, "bo", "om\n");
                assertThat(handler.awaitClosed(victim)).isEqualTo(CloseReason.HANDLER_ERROR);
                bystander.getOutputStream().write("alive\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(SocketFramingTest.reader(bystander).readLine()).isEqualTo("alive");
                assertThat(reactor.call(() -> reactor.stats().handlerErrors())).isEqualTo(1);
            }
        }
    }

    @Test
    void handlerClosingOnAFrameSplitAcrossReadsIsNotAnError() throws Exception {
        RecordingHandler handler = fragileHandler();
        try (Reactor reactor = new Reactor("handler-close-split").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).start();
            try (Socket client = SocketFramingTest.connect(server)) {
                // The "/quit" frame is completed from the bytes kept between reads; closing there must be clean.
                writeSplit(reactor, server, client, "/qu", "it\n");
                assertThat(handler.awaitClosed(client)).isEqualTo(CloseReason.LOCAL);
                assertThat(reactor.call(() -> reactor.stats().handlerErrors())).isZero();
                assertThat(reactor.call(() -> server.stats().closed(CloseReason.HANDLER_ERROR))).isZero();
            }
        }
    }

    @Test
    void exceptionInOnConnectedClosesOnlyThatConnection() throws Exception {
        RecordingHandler handler = new RecordingHandler() {
            private int connections;

            @Override
            public void onConnected(TcpConnection connection) {
                super.onConnected(connection);
                if (connections++ == 0) {
                    throw new IllegalStateException("first connection refused on purpose");
                }
            }
        };
        try (Reactor reactor = new Reactor("handler-error-connect").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).start();
            try (Socket first = SocketFramingTest.connect(server)) {
                assertThat(handler.awaitClosed(first)).isEqualTo(CloseReason.HANDLER_ERROR);
                try (Socket second = SocketFramingTest.connect(server)) {
                    second.getOutputStream().write("ok\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(SocketFramingTest.reader(second).readLine()).isEqualTo("ok");
                }
            }
        }
    }

    /** Whether the peer's stream ends (EOF or reset) before the socket timeout. */
    private static boolean endsWithin(Socket socket) throws Exception {
        try {
            return Poll.drainToEnd(socket) >= 0;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    private static void writeSplit(Reactor reactor, TcpServer server, Socket client, String first, String second)
            throws Exception {
        long before = reactor.call(() -> server.stats().bytesIn());
        client.getOutputStream().write(first.getBytes(StandardCharsets.US_ASCII));
        Poll.onLoopUntil(reactor, () -> server.stats().bytesIn() == before + first.length(), "the first part read");
        client.getOutputStream().write(second.getBytes(StandardCharsets.US_ASCII));
    }
}
