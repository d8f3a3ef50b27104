package io.loopwire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Reactor#execute} is the thread-safe entry: FIFO per producer, nothing lost, no lost wakeup. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReactorExecuteFromManyThreadsTest {
    private static final int THREADS = 4;
    private static final int TASKS_PER_THREAD = 10_000;

    @Test
    void tasksFromManyThreadsAllRunInPerThreadOrder() throws Exception {
        try (Reactor reactor = new Reactor("execute-test").start()) {
            // Loop-owned: written only by tasks, read after the latch (which orders the writes before the reads).
            int[] nextExpected = new int[THREADS];
            int[] outOfOrder = new int[1];
            CountDownLatch allRun = new CountDownLatch(THREADS * TASKS_PER_THREAD);
            CyclicBarrier go = new CyclicBarrier(THREADS);
            AtomicReference<Throwable> producerError = new AtomicReference<>();
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int producer = t;
                Thread thread = new Thread(() -> {
                    try {
                        go.await(5, TimeUnit.SECONDS);
                        for (int i = 0; i < TASKS_PER_THREAD; i++) {
                            int seq = i;
                            reactor.execute(() -> {
                                assert reactor.inLoop();
                                if (nextExpected[producer] != seq) {
                                    outOfOrder[0]++;
                                }
                                nextExpected[producer] = seq + 1;
                                allRun.countDown();
                            });
                            if ((i & 127) == 0) {
                                Thread.yield(); // let the loop go idle now and then, so wakeups are exercised
                            }
                        }
                    } catch (Throwable e) {
                        producerError.set(e);
                    }
                }, "producer-" + t);
                producers.add(thread);
                thread.start();
            }
            for (Thread thread : producers) {
                thread.join(TimeUnit.SECONDS.toMillis(20));
            }
            assertThat(producerError.get()).isNull();
            Poll.await(allRun, "every task to run");
            assertThat(reactor.call(() -> outOfOrder[0])).isZero();
            assertThat(reactor.call(() -> nextExpected.clone())).containsOnly(TASKS_PER_THREAD);
            assertThat(reactor.call(() -> reactor.stats().tasksRun())).isGreaterThanOrEqualTo(
                    (long) THREADS * TASKS_PER_THREAD);
            assertThat(reactor.call(() -> reactor.stats().taskErrors())).isZero();
        }
    }

    @Test
    void anIdleLoopIsWokenForEveryTask() throws Exception {
        try (Reactor reactor = new Reactor("wakeup-test").start()) {
            // No timers, no channels: the loop blocks in select without a timeout between tasks, so each round trip
            // depends on the wakeup. A lost one would hang here until the latch times out.
            for (int round = 0; round < 2_000; round++) {
                CountDownLatch ran = new CountDownLatch(1);
                reactor.execute(ran::countDown);
                Poll.await(ran, "task of round " + round);
            }
        }
    }

    @Test
    void concurrentProducersNeverStrandATaskWhileTheLoopSleeps() throws Exception {
        try (Reactor reactor = new Reactor("contention-test").start()) {
            // Producers race each other and the loop's "about to select" moment, in many small bursts.
            for (int burst = 0; burst < 200; burst++) {
                CountDownLatch ran = new CountDownLatch(THREADS * 5);
                CyclicBarrier go = new CyclicBarrier(THREADS);
                List<Thread> producers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    Thread thread = new Thread(() -> {
                        try {
                            go.await(5, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            return;
                        }
                        for (int i = 0; i < 5; i++) {
                            reactor.execute(ran::countDown);
                        }
                    });
                    producers.add(thread);
                    thread.start();
                }
                Poll.await(ran, "tasks of burst " + burst);
                for (Thread thread : producers) {
                    thread.join(5_000);
                }
            }
        }
    }
}
