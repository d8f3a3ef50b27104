package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 2,000 connections come and go (plain close, a message then close, reset, half-close): every one is accepted and
 * closed exactly once, the open count returns to zero and the server still serves.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketConnectCycleTest {
    private static final int CYCLES = 2_000;

    @Test
    void reactorSurvivesManyConnectDisconnectCycles() throws Exception {
        AtomicInteger connected = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        TcpHandler handler = new TcpHandler() {
            @Override
            public void onConnected(TcpConnection connection) {
                connected.incrementAndGet();
            }

            @Override
            public void onFrame(TcpConnection connection, java.nio.ByteBuffer frame) {
                SocketEchoTest.ECHO.onFrame(connection, frame);
            }

            @Override
            public void onClosed(TcpConnection connection, CloseReason reason) {
                closed.incrementAndGet();
            }
        };
        try (Reactor reactor = new Reactor("connect-cycles").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).start();
            long start = System.nanoTime();
            for (int i = 0; i < CYCLES; i++) {
                try (Socket client = new Socket("127.0.0.1", server.localAddress().getPort())) {
                    client.setSoTimeout((int) Poll.PATIENCE.toMillis());
                    switch (i % 4) {
                        case 0 -> { } // connect and close
                        case 1 -> {
                            client.getOutputStream().write("x\n".getBytes(StandardCharsets.US_ASCII));
                            assertThat(client.getInputStream().read()).isEqualTo('x');
                        }
                        case 2 -> client.setSoLinger(true, 0); // reset on close
                        default -> {
                            client.shutdownOutput();
                            assertThat(client.getInputStream().read()).isEqualTo(-1);
                        }
                    }
                }
            }
            Poll.onLoopUntil(reactor, () -> server.stats().accepted() == CYCLES && server.stats().open() == 0,
                    "every connection accepted and closed");
            assertThat(connected).hasValue(CYCLES);
            assertThat(closed).hasValue(CYCLES);
            long byReason = reactor.call(() -> {
                long sum = 0;
                for (CloseReason r : CloseReason.values()) {
                    sum += server.stats().closed(r);
                }
                return sum;
            });
            assertThat(byReason).isEqualTo(CYCLES);
            assertThat(reactor.call(() -> reactor.stats().handlerErrors())).isZero();
            System.out.printf("connect cycles: %d in %d ms, %s%n", CYCLES,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), reactor.call(server::stats));
            try (Socket client = SocketFramingTest.connect(server)) {
                client.getOutputStream().write("after\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(SocketFramingTest.reader(client).readLine()).isEqualTo("after");
            }
        }
    }
}
