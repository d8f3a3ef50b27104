package io.loopwire.metrics;

import io.loopwire.Reactor;
import io.loopwire.ReactorStats;
import io.loopwire.Timeout;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The loop itself, tagged {@code loop=<reactor name>} ({@code loop=<i>} for a loop of a group): turns, ready keys
 * handled, tasks, timers, errors, registered channels, a histogram of how long each turn's work took
 * ({@code loopwire_reactor_turn_seconds}) and the loop lag ({@code loopwire_reactor_lag_seconds}: the worst lateness
 * of a {@value #LAG_PERIOD_MILLIS} ms timer since the previous scrape: what a task handed to the loop waits for on top
 * of its turn).
 *
 * <p>The turn histogram is recorded on the loop, once per turn, into a Micrometer {@link Timer} (thread-safe,
 * allocation-free once created); every other value comes from the {@link LoopSampler}'s copy.
 *
 * @implNote Thread-safe; bind it to one registry (use a composite registry for several). {@link #close()} stops the
 *     lag timer and the turn observer.
 */
public final class ReactorMetrics implements MeterBinder, AutoCloseable {
    /** How often the lag timer fires. */
    public static final long LAG_PERIOD_MILLIS = 200;
    /** Turn-time buckets: from a quiet turn (a few microseconds) to a stalled one. */
    static final Duration[] TURN_BUCKETS = {
        Duration.ofNanos(10_000), Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(500_000),
        Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1)};

    private final LoopSampler sampler;
    private final Reactor reactor;
    private final LagProbe lag = new LagProbe();
    private Timeout lagTimer; // guarded by this
    private boolean bound; // guarded by this

    public ReactorMetrics(LoopSampler sampler) {
        this.sampler = sampler;
        this.reactor = sampler.reactor();
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        if (bound) {
            throw new IllegalStateException("ReactorMetrics is already bound; use a CompositeMeterRegistry");
        }
        bound = true;
        // A loop of a group is named by its index (the sampler's loop tag, which the sampler adds to the others).
        Tags tags = sampler.loopTags().iterator().hasNext() ? sampler.loopTags()
                : Tags.of("loop", reactor.name());
        ReactorStats stats = reactor.stats();
        sampler.counter(registry, "loopwire.reactor.turns", "Loop turns (one select each)", null, tags,
                stats::turns);
        sampler.counter(registry, "loopwire.reactor.selected.keys", "Ready channels handled", null, tags,
                stats::selectedKeys);
        sampler.counter(registry, "loopwire.reactor.tasks", "Tasks handed to the loop and run", null, tags,
                stats::tasksRun);
        sampler.counter(registry, "loopwire.reactor.timers.fired", "Timer runs", null, tags, stats::timersFired);
        sampler.counter(registry, "loopwire.reactor.errors", "Exceptions caught by the loop", null,
                tags.and("kind", "handler"), stats::handlerErrors);
        sampler.counter(registry, "loopwire.reactor.errors", "Exceptions caught by the loop", null,
                tags.and("kind", "task"), stats::taskErrors);
        sampler.gauge(registry, "loopwire.reactor.channels", "Channels registered with the selector", null, tags,
                reactor::registeredChannels);
        sampler.secondsGauge(registry, "loopwire.reactor.lag", "Worst lateness of the loop's lag timer since the "
                + "previous scrape", tags, lag::takeWorstNanos);
        Timer turn = Timer.builder("loopwire.reactor.turn")
                .description("Time each loop turn spent working (after select)")
                .tags(tags).serviceLevelObjectives(TURN_BUCKETS).register(registry);
        Duration period = Duration.ofMillis(LAG_PERIOD_MILLIS);
        try {
            reactor.call(() -> {
                reactor.observeTurns(new TurnRecorder(turn));
                return null;
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind metrics to " + reactor, e);
        }
        lagTimer = reactor.scheduleAtFixedRate(period, period, lag);
    }

    @Override
    public synchronized void close() {
        if (lagTimer != null) {
            lagTimer.cancel();
        }
        if (!reactor.isClosing()) {
            try {
                reactor.call(() -> {
                    reactor.observeTurns(null);
                    return null;
                });
            } catch (IOException ignored) {
                // The loop is gone, and its observer with it.
            }
        }
    }

    /** Records each turn's busy time; a named class so the per-turn call is a plain virtual call, nothing captured. */
    private static final class TurnRecorder implements java.util.function.LongConsumer {
        private final Timer timer;

        TurnRecorder(Timer timer) {
            this.timer = timer;
        }

        @Override
        public void accept(long nanos) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * A periodic timer that measures its own lateness. It mirrors the reactor's fixed-rate rule (a run that fell a
     * whole period behind skips ahead) to know when it was due. The first run only sets the clock: it may be late by
     * however long the loop took to start, which is not lag. Loop thread only.
     */
    private static final class LagProbe implements Runnable {
        private final long periodNanos = TimeUnit.MILLISECONDS.toNanos(LAG_PERIOD_MILLIS);
        private boolean started;
        private long expectedNanos;
        private long worstNanos;

        @Override
        public void run() {
            long now = System.nanoTime();
            if (!started) {
                started = true;
                expectedNanos = now + periodNanos;
                return;
            }
            worstNanos = Math.max(worstNanos, Math.max(0, now - expectedNanos));
            long next = expectedNanos + periodNanos;
            expectedNanos = next - now <= 0 ? now + periodNanos : next;
        }

        long takeWorstNanos() {
            long worst = worstNanos;
            worstNanos = 0;
            return worst;
        }
    }
}
