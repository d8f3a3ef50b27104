package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that pipelines requests and never reads the answers fills the socket buffers; the response it does not take
 * is closed by the JDK server's response limit, and /healthz answers meanwhile.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowReaderTest {
    private static final long CLOSE_BOUND_MILLIS = 40_000;

    @Test
    void aClientThatNeverReadsIsClosedAndBlindsNobody() throws Exception {
        Reactor reactor = new Reactor("slow-reader-test").start();
        try (HttpEndpoint endpoint = new LoopMetrics(reactor).endpoint(InetAddress.getLoopbackAddress(), 0)
                .pace(1_000_000).start(); // unpaced: the buffers fill fast
                SocketChannel greedy = SocketChannel.open()) {
            greedy.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            greedy.connect(endpoint.address());
            greedy.configureBlocking(false);
            ByteBuffer request = ByteBuffer.wrap("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            // Ask until the server takes no more (its answers are stuck behind ours) for a second.
            long fullSince = 0;
            int asked = 0;
            while (asked < 50_000) {
                if (!request.hasRemaining()) {
                    request.rewind();
                    asked++;
                }
                if (greedy.write(request) > 0) {
                    fullSince = 0;
                } else if (fullSince == 0) {
                    fullSince = System.nanoTime();
                } else if (System.nanoTime() - fullSince > TimeUnit.SECONDS.toNanos(1)) {
                    break;
                } else {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // the kernel's buffers are full
                }
            }

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            URI health = URI.create(endpoint.url() + "/healthz");
            for (int i = 0; i < 5; i++) {
                long askedAt = System.nanoTime();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - askedAt)).isLessThanOrEqualTo(1_000);
            }

            // Closed shows as a reset on the next write (the server had our unread requests); never read meanwhile,
            // since reading would let the stuck response finish.
            ByteBuffer probe = ByteBuffer.allocate(1);
            long closedMillis = -1;
            while (closedMillis < 0) {
                long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(elapsed).as("a client that never reads still connected").isLessThan(CLOSE_BOUND_MILLIS);
                try {
                    probe.clear();
                    greedy.write(probe);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // probe pace
                } catch (IOException reset) {
                    closedMillis = elapsed;
                }
            }
            System.out.printf("[figures] a client that never reads (%d requests pipelined) closed %d ms after it "
                    + "started asking%n", asked, closedMillis);
        } finally {
            reactor.close();
        }
    }
}
