package io.loopwire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Before the loop starts, {@link Reactor#call} runs a task directly only on the thread that built the reactor; any
 * other thread (an HTTP scrape arriving early) waits for the loop to run it, instead of racing the set-up thread.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReactorCallBeforeStartTest {

    @Test
    void theSetUpThreadRunsDirectlyAnotherThreadWaitsForTheLoop() throws Exception {
        try (Reactor reactor = new Reactor("call-before-start")) {
            assertThat(reactor.call(() -> Thread.currentThread().getName())).as("the set-up thread, before start")
                    .isEqualTo(Thread.currentThread().getName());
            CompletableFuture<String> early = new CompletableFuture<>();
            Thread scraper = new Thread(() -> {
                try {
                    early.complete(reactor.call(() -> Thread.currentThread().getName()));
                } catch (Exception e) {
                    early.completeExceptionally(e);
                }
            }, "early-scraper");
            scraper.start();
            Poll.until(() -> scraper.getState() == Thread.State.TIMED_WAITING, "the early caller waiting");
            assertThat(early).as("the early caller's task, before the loop started").isNotDone();
            reactor.start();
            assertThat(early.get(10, TimeUnit.SECONDS)).as("where the early caller's task ran")
                    .isEqualTo("call-before-start");
            scraper.join(5000);
        }
    }
}
