package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A flood of scrapes renders once per copy and serves the same bytes; a stuck loop gets no rendering but a problem that
 * names it, within the copy wait, and never more than one copy task queued on it; once it runs, scrapes are current.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScrapeCacheTest {
    private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";

    @Test
    void aFloodRendersOncePerCopyAndSharesTheBytes() throws Exception {
        try (Rig rig = new Rig().start()) {
            ScrapeCache cache = new ScrapeCache(rig.registry::scrape, List.of(rig.sampler), Duration.ofMillis(200),
                    Duration.ofSeconds(1));
            long rendersBefore = cache.renders();
            long copiesBefore = rig.sampler.refreshes();
            long start = System.nanoTime();
            int scrapes = 0;
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(600)) {
                ScrapeCache.Scrape scrape = cache.get(TEXT);
                assertThat(scrape.ok()).isTrue();
                assertThat(new String(scrape.body(), StandardCharsets.UTF_8)).contains("loopwire_reactor_turns_total");
                scrapes++;
            }
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long renders = cache.renders() - rendersBefore;
            long copies = rig.sampler.refreshes() - copiesBefore;
            System.out.printf("[figures] %d scrapes in %d ms: %d renders, %d copies on the loop%n", scrapes,
                    elapsedMillis, renders, copies);
            assertThat(scrapes).isGreaterThan(50);
            assertThat(renders).isBetween(1L, elapsedMillis / 200 + 2);
            assertThat(copies).isBetween(1L, elapsedMillis / 200 + 2);
        }
    }

    @Test
    void aStuckLoopIsNamedInsteadOfServingOldNumbers() throws Exception {
        try (Rig rig = new Rig().start()) {
            ScrapeCache cache = new ScrapeCache(rig.registry::scrape, List.of(rig.sampler), Duration.ofMillis(50),
                    Duration.ofMillis(500));
            assertThat(cache.get(TEXT).ok()).isTrue();
            CountDownLatch release = new CountDownLatch(1);
            rig.reactor.execute(() -> {
                try {
                    release.await(30, TimeUnit.SECONDS); // a task that blocks the loop
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                // Bytes up to minCopyAge old may still be served; after that, none.
                Poll.until(() -> !cache.get(TEXT).ok(), "a scrape that admits the loop is stuck");
                long copiesBefore = rig.sampler.refreshes();
                for (int i = 0; i < 5; i++) {
                    long start = System.nanoTime();
                    ScrapeCache.Scrape stuck = cache.get(TEXT);
                    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertThat(stuck.ok()).isFalse();
                    assertThat(stuck.body()).isNull();
                    assertThat(stuck.problem()).contains("loop metrics-test did not copy");
                    assertThat(tookMillis).isBetween(0L, 3_000L);
                }
                assertThat(rig.sampler.refreshes()).isEqualTo(copiesBefore);
            } finally {
                release.countDown();
            }
            Poll.until(() -> cache.get(TEXT).ok(), "a current scrape once the loop runs again");
        }
    }
}
