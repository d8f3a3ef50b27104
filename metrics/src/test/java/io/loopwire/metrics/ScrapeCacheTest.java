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
            assertThat(cache.get(TEXT).ok()).isTrue(); // warm: the first rendering is slow on a cold JVM
            long rendersBefore = cache.renders();
            long copiesBefore = rig.sampler.refreshes();
            long start = System.nanoTime();
            int scrapes = 0;
            while (scrapes < 2_000 || System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(700)) {
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
            assertThat(renders).isBetween(2L, elapsedMillis / 200 + 2); // a new copy every 200 ms, one rendering each
            assertThat(copies).isBetween(2L, elapsedMillis / 200 + 2);
            assertThat(renders).as("renders per copy").isLessThanOrEqualTo(copies + 1);
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
                // Scrapes arriving together behind a stuck copy wait for it once, not once each.
                Thread[] together = new Thread[8];
                java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
                long start = System.nanoTime();
                for (int i = 0; i < together.length; i++) {
                    together[i] = new Thread(() -> {
                        try {
                            if (!cache.get(TEXT).ok()) {
                                refused.incrementAndGet();
                            }
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    together[i].start();
                }
                for (Thread t : together) {
                    t.join(10_000);
                }
                long allMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(refused.get()).isEqualTo(together.length);
                assertThat(allMillis).as("8 scrapes of a stuck loop at once").isLessThan(4 * 500 + 1_000);
                assertThat(rig.sampler.refreshes()).isEqualTo(copiesBefore);
            } finally {
                release.countDown();
            }
            Poll.until(() -> cache.get(TEXT).ok(), "a current scrape once the loop runs again");
        }
    }
}
