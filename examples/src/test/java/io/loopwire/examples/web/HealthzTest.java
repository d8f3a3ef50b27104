package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.metrics.LoopSampler;
import io.loopwire.metrics.ReactorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /healthz} tells the truth about each of several loops, measured from outside: an idle loop is healthy, a loop
 * stuck 10 s is named in a 503 within 6 s, 200 again within 1.5 s after it runs; {@code /metrics} meanwhile never
 * serves numbers older than 2 s as current; a closed loop and a failing named check are 503 too.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HealthzTest {
    /** Past the 4 s bound with room to spare: 6 s of a named stall, scraped all along. */
    private static final long STUCK_MILLIS = 10_000;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void aLoopStuck10sIsNamedWithin6sAndHealthyAgainSoonAfterAndMetricsNeverStale() throws Exception {
        Reactor idle = new Reactor("idle-loop").start();
        Reactor busy = new Reactor("stuck-loop").start();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LoopSampler idleSampler = new LoopSampler(idle);
        LoopSampler busySampler = new LoopSampler(busy);
        new ReactorMetrics(idleSampler).bindTo(registry);
        new ReactorMetrics(busySampler).bindTo(registry);
        ExecutorService scraper = Executors.newSingleThreadExecutor();
        try (HttpEndpoint endpoint = HttpEndpoint.builder(registry, List.of(idleSampler, busySampler))
                .bind(InetAddress.getLoopbackAddress(), 0).start()) {
            URI health = URI.create(endpoint.url() + "/healthz");
            URI metrics = URI.create(endpoint.url() + "/metrics");
            // Idle loops (nothing registered, nothing to do) are healthy.
            assertThat(get(health).body()).isEqualTo("ok\n");
            assertThat(get(metrics).statusCode()).isEqualTo(200);

            AtomicLong stuckAt = new AtomicLong();
            AtomicLong runsAgainAt = new AtomicLong();
            CountDownLatch never = new CountDownLatch(1);
            busy.execute(() -> {
                stuckAt.set(System.nanoTime());
                try {
                    never.await(STUCK_MILLIS, TimeUnit.MILLISECONDS); // a task that sleeps 10 s on the loop
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                runsAgainAt.set(System.nanoTime());
            });
            Poll.until(() -> stuckAt.get() != 0, "the loop to start its 10 s task");

            // Scrape all along the stall: a 200 may only carry numbers copied less than 2 s before it was asked.
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger staleServed = new AtomicInteger();
            AtomicInteger unavailable = new AtomicInteger();
            AtomicLong slowestScrapeMillis = new AtomicLong();
            Future<?> scrapes = scraper.submit(() -> {
                while (!stop.get()) {
                    long askedAt = System.nanoTime();
                    HttpResponse<String> r = get(metrics);
                    slowestScrapeMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - askedAt),
                            Math::max);
                    boolean duringStall = runsAgainAt.get() == 0;
                    if (r.statusCode() == 200 && duringStall && askedAt - stuckAt.get() > 2_000_000_000L) {
                        staleServed.incrementAndGet();
                    }
                    if (r.statusCode() == 503) {
                        assertThat(r.body()).contains("loop stuck-loop did not copy").doesNotContain("idle-loop");
                        unavailable.incrementAndGet();
                    }
                }
                return null;
            });

            HttpResponse<String> unhealthy = pollStatus(health, 503, Duration.ofSeconds(10));
            long to503Millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stuckAt.get());
            assertThat(unhealthy.body()).startsWith("unhealthy\n").contains("loop stuck-loop has not run a task for")
                    .doesNotContain("idle-loop");

            Poll.until(Duration.ofSeconds(STUCK_MILLIS / 1000 + 10), () -> runsAgainAt.get() != 0,
                    "the 10 s task to end");
            pollStatus(health, 200, Duration.ofSeconds(5));
            long to200Millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - runsAgainAt.get());
            stop.set(true);
            scrapes.get(10, TimeUnit.SECONDS);
            long metricsAgain = System.nanoTime();
            pollStatus(metrics, 200, Duration.ofSeconds(5));
            long metrics200Millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - metricsAgain);
            assertThat(metrics200Millis).as("/metrics current again").isLessThanOrEqualTo(1_500);

            System.out.printf("[figures] loop stuck %d s: /healthz 503 after %d ms, 200 again %d ms after it ran; "
                    + "/metrics 503 %d times, slowest scrape %d ms, stale 200s %d%n", STUCK_MILLIS / 1000,
                    to503Millis, to200Millis, unavailable.get(), slowestScrapeMillis.get(), staleServed.get());
            assertThat(to503Millis).isLessThanOrEqualTo(6_000);
            assertThat(to200Millis).isLessThanOrEqualTo(1_500);
            assertThat(staleServed.get()).as("200s with numbers older than 2 s").isZero();
            assertThat(unavailable.get()).isPositive();
        } finally {
            scraper.shutdownNow();
            idle.close();
            busy.close();
        }
    }

    @Test
    void aClosedLoopAndAFailingNamedCheckAreUnhealthy() throws Exception {
        Reactor reactor = new Reactor("healthz-test").start();
        AtomicBoolean roomStalled = new AtomicBoolean();
        try (HttpEndpoint endpoint = new LoopMetrics(reactor).endpoint(InetAddress.getLoopbackAddress(), 0)
                .check("room", () -> roomStalled.get() ? List.of("loop 2 has not drained its share") : List.of())
                .start()) {
            URI health = URI.create(endpoint.url() + "/healthz");
            assertThat(get(health).statusCode()).isEqualTo(200);
            roomStalled.set(true);
            HttpResponse<String> stalled = get(health);
            assertThat(stalled.statusCode()).isEqualTo(503);
            assertThat(stalled.body()).isEqualTo("unhealthy\nroom: loop 2 has not drained its share\n");
            roomStalled.set(false);
            assertThat(get(health).statusCode()).isEqualTo(200);

            reactor.close();
            HttpResponse<String> closed = pollStatus(health, 503, Duration.ofSeconds(5));
            assertThat(closed.body()).contains("loop healthz-test is closed");
        } finally {
            reactor.close();
        }
    }

    private HttpResponse<String> pollStatus(URI uri, int status, Duration within) throws Exception {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        Poll.until(within, () -> {
            last.set(get(uri));
            return last.get().statusCode() == status;
        }, status + " from " + uri);
        return last.get();
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
