package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A scrape takes exactly one copy on the loop, whatever the number of meters; a registry that reads on its own
 * refreshes a stale copy; a stopped loop leaves the last copy in place instead of hanging the scrape.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OneSnapshotPerScrapeTest {

    @Test
    void aScrapeTakesOneCopyOnTheLoopForAllMeters() throws Exception {
        try (Rig rig = new Rig().start()) {
            rig.scrapeText(); // first copy
            long before = rig.sampler.refreshes();
            String text = rig.scrapeText();
            assertThat(PrometheusText.parse(text).families.size()).isGreaterThan(20);
            assertThat(rig.sampler.refreshes() - before).isEqualTo(1);
        }
    }

    @Test
    void aScrapeFloodCostsTheLoopAtMostOneCopyPerMinimumAge() throws Exception {
        try (Rig rig = new Rig().start()) {
            rig.scrapeText();
            long before = rig.sampler.refreshes();
            long start = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                rig.sampler.refreshIfOlderThan(Duration.ofMillis(100));
                rig.registry.scrape();
            }
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long copies = rig.sampler.refreshes() - before;
            assertThat(copies).isBetween(0L, elapsedMillis / 100 + 2);
        }
    }

    @Test
    void aStaleCopyIsRefreshedWhenAMeterIsRead() throws Exception {
        try (Rig rig = new Rig()) {
            LoopSampler fast = new LoopSampler(rig.reactor, Duration.ofMillis(1));
            new TcpServerMetrics(fast, rig.server.tcpServer()).bindTo(new io.micrometer.core.instrument.simple
                    .SimpleMeterRegistry());
            rig.start();
            long before = fast.refreshes();
            Poll.until(() -> {
                fast.value(0); // what any registry does when it reads a meter
                return fast.refreshes() > before;
            }, "a stale copy refreshed on read");
        }
    }

    @Test
    void aStoppedLoopKeepsTheLastValuesAndTheScrapeReturns() throws Exception {
        Rig rig = new Rig().start();
        Map<String, String> loop = Rig.labels("loop", "metrics-test");
        double turns = rig.scrape().value("loopwire_reactor_turns_total", loop);
        rig.close();
        long start = System.nanoTime();
        PrometheusText after = rig.scrape();
        assertThat(System.nanoTime() - start).as("scrape of a stopped loop").isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(after.value("loopwire_reactor_turns_total", loop)).isGreaterThanOrEqualTo(turns);
    }

    @Test
    void aStuckLoopShowsAsLag() throws Exception {
        try (Rig rig = new Rig().start()) {
            Map<String, String> loop = Rig.labels("loop", "metrics-test");
            rig.scrape(); // resets the worst lag seen
            // Block the loop for 600 ms, again until the lag timer has run once before a block (its first run only
            // sets its clock), then the lag shows in the next scrape.
            Poll.until(() -> {
                CountDownLatch blocked = new CountDownLatch(1);
                rig.reactor.execute(() -> {
                    try {
                        new CountDownLatch(1).await(600, TimeUnit.MILLISECONDS); // a task that blocks the loop
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    blocked.countDown();
                });
                blocked.await(5, TimeUnit.SECONDS);
                return rig.scrape().value("loopwire_reactor_lag_seconds", loop) >= 0.3;
            }, "lag of a loop blocked for 600 ms");
        }
    }
}
