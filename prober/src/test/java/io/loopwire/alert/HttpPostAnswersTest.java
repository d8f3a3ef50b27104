package io.loopwire.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How {@code HttpPost} sorts what an endpoint answers, hostile answers included: 2xx accepted; 5xx and 429 retried;
 * 404, 400 and redirects not retried; a 20 MB answer costs at most 512 bytes; an answer that stalls after its
 * headers ends the attempt within its bound.
 */
@Timeout(30)
class HttpPostAnswersTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private HttpServer server;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                String path = exchange.getRequestURI().getPath();
                switch (path) {
                    case "/ok" -> exchange.sendResponseHeaders(200, -1);
                    case "/busy" -> exchange.sendResponseHeaders(429, -1);
                    case "/broken" -> exchange.sendResponseHeaders(503, -1);
                    case "/missing" -> exchange.sendResponseHeaders(404, -1);
                    case "/moved" -> {
                        exchange.getResponseHeaders().add("Location", "/elsewhere");
                        exchange.sendResponseHeaders(302, -1);
                    }
                    case "/huge" -> {
                        exchange.sendResponseHeaders(400, 0);
                        byte[] chunk = new byte[64 * 1024];
                        java.util.Arrays.fill(chunk, (byte) 'x');
                        OutputStream out = exchange.getResponseBody();
                        for (int i = 0; i < 320; i++) { // 20 MiB
                            out.write(chunk);
                        }
                    }
                    case "/stall" -> {
                        exchange.sendResponseHeaders(200, 1000);
                        exchange.getResponseBody().write('x');
                        exchange.getResponseBody().flush();
                        release.await(20, TimeUnit.SECONDS); // the rest never comes while the client waits
                    }
                    default -> exchange.sendResponseHeaders(500, -1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        threads.shutdownNow();
    }

    private HttpPost post(String path) {
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        return new HttpPost(uri, HttpAlertConfig.builder(uri.toString()).connectTimeout(Duration.ofSeconds(1))
                .requestTimeout(Duration.ofSeconds(1)).build());
    }

    @Test
    void twoHundredIsAccepted() throws Exception {
        post("/ok").post("[]");
    }

    @Test
    void overloadAndServerErrorsAreRetried() {
        for (String path : new String[] {"/busy", "/broken"}) {
            AlertDelivery.Failure f = catchThrowableOfType(AlertDelivery.Failure.class, () -> post(path).post("[]"));
            assertThat(f.permanent()).as(path).isFalse();
        }
    }

    @Test
    void aWrongPathOrARedirectIsNotRetried() {
        AlertDelivery.Failure missing = catchThrowableOfType(AlertDelivery.Failure.class,
                () -> post("/missing").post("[]"));
        assertThat(missing.permanent()).isTrue();
        assertThat(missing.getMessage()).startsWith("HTTP 404");
        AlertDelivery.Failure moved = catchThrowableOfType(AlertDelivery.Failure.class,
                () -> post("/moved").post("[]"));
        assertThat(moved.permanentKind()).contains("redirected");
    }

    @Test
    void aHugeAnswerIsCutTo512Bytes() {
        AlertDelivery.Failure f = catchThrowableOfType(AlertDelivery.Failure.class, () -> post("/huge").post("[]"));
        assertThat(f.permanent()).isTrue();
        assertThat(f.getMessage().length()).isLessThanOrEqualTo("HTTP 400: ".length() + HttpPost.MAX_BODY_BYTES);
    }

    @Test
    void anAnswerThatStallsAfterItsHeadersEndsTheAttemptInTime() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> post("/stall").post("[]")).isInstanceOf(AlertDelivery.Failure.class)
                .satisfies(f -> assertThat(((AlertDelivery.Failure) f).permanent()).isFalse());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("connect + request timeout, 2 s, plus slack").isLessThan(5000);
    }
}
