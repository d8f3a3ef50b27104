package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With an idle timeout, a connection that sends nothing is closed ({@link CloseReason#IDLE_TIMEOUT}); an active one
 * is not.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketIdleTimeoutTest {
    private static final Duration IDLE = Duration.ofMillis(200);

    @Test
    void silentConnectionIsClosedAndActiveOneIsNot() throws Exception {
        CountDownLatch silentClosed = new CountDownLatch(1);
        long[] closedAtNanos = new long[1];
        RecordingHandler handler = new RecordingHandler() {
            @Override
            public void onClosed(TcpConnection connection, CloseReason reason) {
                super.onClosed(connection, reason);
                closedAtNanos[0] = System.nanoTime();
                silentClosed.countDown();
            }
        };
        try (Reactor reactor = new Reactor("idle-timeout").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).idleTimeout(IDLE).start();
            long start = System.nanoTime(); // before the connections exist: each is idle from its accept on
            try (Socket silent = SocketFramingTest.connect(server);
                    Socket active = SocketFramingTest.connect(server)) {
                handler.awaitConnection(silent);
                OutputStream activeOut = active.getOutputStream();
                BufferedReader activeIn = SocketFramingTest.reader(active);
                Thread silentReader = new Thread(() -> {
                    try {
                        // The server says goodbye with a FIN; we answer by closing, which completes its close.
                        if (silent.getInputStream().read() == -1) {
                            silent.close();
                        }
                    } catch (Exception ignored) {
                        // the assertions below report what went wrong
                    }
                }, "silent-reader");
                silentReader.start();

                // The active client talks every 25 ms (an eighth of the timeout) for three timeouts and more.
                int exchanges = 0;
                while (System.nanoTime() - start < 3 * IDLE.toNanos() || silentClosed.getCount() > 0) {
                    assertThat(System.nanoTime() - start).as("time for the silent one to be closed")
                            .isLessThan(Poll.PATIENCE.toNanos());
                    activeOut.write(("ping " + exchanges + "\n").getBytes(StandardCharsets.US_ASCII));
                    assertThat(activeIn.readLine()).isEqualTo("ping " + exchanges);
                    exchanges++;
                    // Pacing only (nothing waits on it to be correct): returns early once the silent one is closed.
                    if (!silentClosed.await(25, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(25));
                }
                silentReader.join(Poll.PATIENCE.toMillis());
                long closedAfterMillis = TimeUnit.NANOSECONDS.toMillis(closedAtNanos[0] - start);
                assertThat(handler.closed).containsOnlyKeys(silent.getLocalPort())
                        .containsEntry(silent.getLocalPort(), CloseReason.IDLE_TIMEOUT);
                assertThat(closedAfterMillis).isGreaterThanOrEqualTo(IDLE.toMillis());
                assertThat(reactor.call(() -> server.stats().closed(CloseReason.IDLE_TIMEOUT))).isEqualTo(1);
                assertThat(reactor.call(() -> server.stats().open())).isEqualTo(1);
                activeOut.write("last\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(activeIn.readLine()).isEqualTo("last");
                System.out.printf("idle timeout: silent connection closed after %d ms; %d exchanges on the active "
                        + "one over %d ms%n", closedAfterMillis, exchanges,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
        }
    }
}
