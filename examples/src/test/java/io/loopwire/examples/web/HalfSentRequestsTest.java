package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that send half a request (and one that sends nothing) hold no thread others need: {@code /healthz} and
 * {@code /metrics} keep answering within 1 s, and the JDK server's request limit closes the stalled connections within
 * 15 s of their last byte.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HalfSentRequestsTest {
    private static final long ANSWER_BOUND_MILLIS = 1_000;
    private static final long CLOSE_BOUND_MILLIS = 15_000;

    @ParameterizedTest(name = "{0} half-sent requests")
    @ValueSource(ints = {3, 50})
    void halfSentRequestsNeitherBlindTheEndpointNorStayOpen(int stalled) throws Exception {
        Reactor reactor = new Reactor("half-sent-test").start();
        List<Socket> sockets = new ArrayList<>();
        try (HttpEndpoint endpoint = new LoopMetrics(reactor).serve(InetAddress.getLoopbackAddress(), 0)) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            URI health = URI.create(endpoint.url() + "/healthz");
            URI metrics = URI.create(endpoint.url() + "/metrics");
            assertThat(get(http, metrics).statusCode()).isEqualTo(200);

            long sentAt = System.nanoTime();
            for (int i = 0; i < stalled; i++) {
                Socket s = new Socket(endpoint.address().getAddress(), endpoint.address().getPort());
                sockets.add(s);
                // A request line and one header, never the blank line that ends the headers.
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
            sockets.add(new Socket(endpoint.address().getAddress(), endpoint.address().getPort())); // sends nothing

            long worstMillis = 0;
            for (int round = 0; round < 10; round++) {
                for (URI uri : List.of(health, metrics)) {
                    long start = System.nanoTime();
                    HttpResponse<String> r = get(http, uri);
                    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    worstMillis = Math.max(worstMillis, tookMillis);
                    assertThat(r.statusCode()).as(uri.getPath()).isEqualTo(200);
                    assertThat(tookMillis).as(uri.getPath() + " with " + stalled + " stalled requests")
                            .isLessThanOrEqualTo(ANSWER_BOUND_MILLIS);
                }
            }

            long lastClosedMillis = 0;
            for (Socket s : sockets) {
                lastClosedMillis = Math.max(lastClosedMillis, awaitClosed(s, sentAt));
            }
            System.out.printf("[figures] %d half-sent requests: slowest /healthz or /metrics %d ms; all %d stalled "
                    + "connections closed %d ms after they were sent%n", stalled, worstMillis, sockets.size(),
                    lastClosedMillis);
            assertThat(lastClosedMillis).isLessThanOrEqualTo(CLOSE_BOUND_MILLIS);
            assertThat(get(http, health).statusCode()).isEqualTo(200);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
            reactor.close();
        }
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Reads until the server closes {@code s} (EOF or reset); returns ms since {@code sentAt}, or fails at the bound. */
    private static long awaitClosed(Socket s, long sentAt) throws IOException {
        InputStream in = s.getInputStream();
        byte[] sink = new byte[1024];
        while (true) {
            long leftMillis = CLOSE_BOUND_MILLIS + 2_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
            if (leftMillis <= 0) {
                throw new AssertionError("a stalled connection still open "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt) + " ms after its last byte");
            }
            s.setSoTimeout((int) leftMillis);
            try {
                if (in.read(sink) < 0) {
                    break;
                }
            } catch (SocketTimeoutException stillOpen) {
                continue; // the loop's bound check fails it
            } catch (IOException reset) {
                break;
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
    }
}
