package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The standard back-pressure producer: refill a connection each time it becomes writable again. With a reader that
 * keeps up, every end-of-turn flush drains the queue and the handler refills at once; the refill is flushed next
 * turn, so timers still fire on time and the reader still gets everything.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketRefillOnWritableTest {
    private static final int MAX_OUTBOUND = 64 * 1024;
    private static final int CHUNK = 40 * 1024; // over the high-water mark (half the limit): one refill per drain

    @Test
    void aHandlerThatRefillsOnWritableDoesNotStopTimers() throws Exception {
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        AtomicLong refills = new AtomicLong();
        TcpHandler producer = new TcpHandler() {
            @Override
            public void onConnected(TcpConnection connection) {
                connection.send(chunk.duplicate());
            }

            @Override
            public void onWritabilityChanged(TcpConnection connection, boolean writable) {
                if (writable && connection.isOpen()) {
                    refills.incrementAndGet();
                    connection.send(chunk.duplicate());
                }
            }

            @Override
            public void onFrame(TcpConnection connection, ByteBuffer frame) {
            }
        };
        try (Reactor reactor = new Reactor("refill").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(producer).maxOutboundBytes(MAX_OUTBOUND).start();
            AtomicLong timerRuns = new AtomicLong();
            AtomicLong worstGapNanos = new AtomicLong();
            long[] last = {System.nanoTime()};
            reactor.scheduleAtFixedRate(Duration.ofMillis(5), Duration.ofMillis(5), () -> {
                long now = System.nanoTime();
                worstGapNanos.accumulateAndGet(now - last[0], Math::max);
                last[0] = now;
                timerRuns.incrementAndGet();
            });
            try (Socket client = new Socket("127.0.0.1", server.localAddress().getPort())) {
                AtomicLong received = new AtomicLong();
                Thread reader = new Thread(() -> {
                    byte[] buffer = new byte[256 * 1024];
                    try (InputStream in = client.getInputStream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            received.addAndGet(n);
                        }
                    } catch (Exception closed) {
                        // the test closed the socket
                    }
                }, "refill-reader");
                reader.setDaemon(true);
                reader.start();
                long timerRunsAtStart = timerRuns.get();
                worstGapNanos.set(0);
                Poll.until(() -> refills.get() >= 200 && timerRuns.get() - timerRunsAtStart >= 50,
                        "200 refills and 50 timer runs");
                assertThat(received.get()).isGreaterThanOrEqualTo(100L * CHUNK);
                System.out.printf("[figures] refill on writable: %d refills, %d timer runs, worst gap %d ms%n",
                        refills.get(), timerRuns.get() - timerRunsAtStart,
                        TimeUnit.NANOSECONDS.toMillis(worstGapNanos.get()));
                // A 5 ms timer: on a loaded machine allow a long pause, but not a loop stuck in end-of-turn.
                assertThat(worstGapNanos.get()).isLessThan(TimeUnit.SECONDS.toNanos(2));
                client.close();
                reader.join(5000);
            }
        }
    }
}
