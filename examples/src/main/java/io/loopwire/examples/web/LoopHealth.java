package io.loopwire.examples.web;

import io.loopwire.Reactor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Health of N loops measured from outside: a ticker thread hands each loop a beat task every {@value #TICK_MILLIS} ms
 * (only when its previous beat has run, so a stuck loop holds one beat, never a growing queue) and a loop's lag is how
 * long its oldest handed beat has waited. An idle loop runs its beat at once and is healthy; a loop whose beat has
 * waited longer than the stall bound is named in {@link #problems}. Reading the state never waits for a loop, so a
 * health check answers at once whatever the loops do.
 *
 * <p>Extra named checks (e.g. the stall state of a loop group's shared room) add their problem strings; they are called
 * on the caller's thread and must not block.
 *
 * @implNote Thread-safe. The beats run on their loops and touch only volatile fields of their own.
 */
public final class LoopHealth implements AutoCloseable {
    /** A loop whose beat has waited longer than this is reported stuck. */
    public static final Duration DEFAULT_STALL = Duration.ofSeconds(4);
    /** How often each loop is handed a beat (when its last one has run). */
    static final long TICK_MILLIS = 250;

    private final List<Beat> beats;
    private final long stallNanos;
    private final Map<String, Supplier<? extends Collection<String>>> checks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker;

    /**
     * Starts beating {@code loops} (started or not: a loop not yet running is simply late).
     *
     * @throws IllegalArgumentException if {@code stall} is not within 500 ms..1 h or there are no loops
     */
    public LoopHealth(List<Reactor> loops, Duration stall) {
        if (stall.compareTo(Duration.ofMillis(500)) < 0 || stall.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("stall bound " + stall + " outside 500ms..1h");
        }
        if (loops.isEmpty()) {
            throw new IllegalArgumentException("no loops to watch");
        }
        List<Beat> list = new ArrayList<>(loops.size());
        for (Reactor loop : loops) {
            list.add(new Beat(Objects.requireNonNull(loop, "loop")));
        }
        this.beats = List.copyOf(list);
        this.stallNanos = stall.toNanos();
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loopwire-health");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Adds a named check: its supplier returns the current problems (empty when fine); it must not block. */
    public LoopHealth check(String name, Supplier<? extends Collection<String>> problems) {
        checks.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(problems, "problems"));
        return this;
    }

    private void tick() {
        for (Beat beat : beats) {
            beat.hand();
        }
    }

    /** The stall bound. */
    public Duration stall() {
        return Duration.ofNanos(stallNanos);
    }

    /** How long loop {@code i}'s oldest handed beat has waited (zero when none waits). */
    public Duration lag(int i) {
        return Duration.ofNanos(beats.get(i).lagNanos(System.nanoTime()));
    }

    /** The current problems, one line each: stuck or closed loops by name, then the named checks'. Empty = healthy. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>(0);
        long now = System.nanoTime();
        for (Beat beat : beats) {
            if (beat.closed) {
                problems.add("loop " + beat.loop.name() + " is closed");
                continue;
            }
            long lag = beat.lagNanos(now);
            if (lag > stallNanos) {
                problems.add(String.format("loop %s has not run a task for %.1f s (bound %.1f s)", beat.loop.name(),
                        lag / 1e9, stallNanos / 1e9));
            }
        }
        for (Map.Entry<String, Supplier<? extends Collection<String>>> check : checks.entrySet()) {
            try {
                for (String problem : check.getValue().get()) {
                    problems.add(check.getKey() + ": " + problem);
                }
            } catch (RuntimeException e) {
                problems.add(check.getKey() + ": check failed: " + e);
            }
        }
        return problems;
    }

    /** Stops the ticker (a beat already handed may still run on its loop; it only clears its own flag). */
    @Override
    public void close() {
        ticker.shutdownNow();
    }

    /** One loop's heartbeat: the same task object handed again and again, so beating allocates nothing. */
    private static final class Beat implements Runnable {
        final Reactor loop;
        volatile long handedAtNanos;
        volatile boolean pending;
        volatile boolean closed;

        Beat(Reactor loop) {
            this.loop = loop;
        }

        /** On the ticker thread: hands a beat unless one is still waiting. */
        void hand() {
            if (pending || closed) {
                return;
            }
            handedAtNanos = System.nanoTime();
            pending = true;
            try {
                loop.execute(this);
            } catch (RejectedExecutionException e) {
                closed = true;
                pending = false;
            }
        }

        /** On the loop. */
        @Override
        public void run() {
            pending = false;
        }

        long lagNanos(long now) {
            return pending ? Math.max(0, now - handedAtNanos) : 0;
        }
    }
}
