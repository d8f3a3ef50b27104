package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** /healthz answers 200 while the loop runs tasks, 503 when a stuck loop cannot run one within 5 s, or is closed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthzTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void healthIsOkWhileTheLoopRunsAndUnavailableWhenItIsStuckOrGone() throws Exception {
        Reactor reactor = new Reactor("healthz-test").start();
        LoopMetrics metrics = new LoopMetrics(reactor);
        try (HttpEndpoint endpoint = metrics.serve(InetAddress.getLoopbackAddress(), 0)) {
            URI health = URI.create("http://" + endpoint.hostPort() + "/healthz");
            assertThat(status(health)).isEqualTo(200);

            CountDownLatch release = new CountDownLatch(1);
            reactor.execute(() -> {
                try {
                    release.await(30, TimeUnit.SECONDS); // a handler that blocks the loop
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long start = System.nanoTime();
            HttpResponse<String> stuck = http.send(HttpRequest.newBuilder(health).build(),
                    HttpResponse.BodyHandlers.ofString());
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(stuck.statusCode()).isEqualTo(503);
            assertThat(stuck.body()).contains("within 5 s");
            assertThat(waitedMillis).isBetween(HttpEndpoint.HEALTH_WAIT.toMillis() - 100, 20_000L);
            release.countDown();
            assertThat(status(health)).isEqualTo(200);

            reactor.close();
            assertThat(status(health)).isEqualTo(503);
        } finally {
            reactor.close();
        }
    }

    private int status(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
