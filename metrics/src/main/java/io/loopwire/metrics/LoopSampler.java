package io.loopwire.metrics;

import io.loopwire.Reactor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies every value the binders of one {@link Reactor} need in ONE task on the loop ({@link Reactor#call}), so a scrape
 * sees one consistent moment and no thread ever reads the loop's plain fields racily. Meters read the copy.
 *
 * <p>{@link #refresh()} takes a new copy; an HTTP endpoint calls it once before each scrape. A meter read when the copy
 * is older than {@code maxAge} refreshes it first, so registries that pull on their own schedule stay current too.
 * Cost on the loop: one task per refresh that reads each registered value once and allocates one {@code long[]};
 * nothing per message.
 *
 * @implNote Thread-safe. The readers passed to {@link #add} run on the loop thread only.
 */
public final class LoopSampler {
    private static final Logger log = LoggerFactory.getLogger(LoopSampler.class);

    /** A copy older than this is refreshed when a meter reads it. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(1);

    private final Reactor reactor;
    private final long maxAgeNanos;
    /** Added to every meter registered through this sampler: {@code loop="<i>"} for a loop of a group, else none. */
    private final Tags loopTags;
    private final List<LongSupplier> readers = new ArrayList<>(); // guarded by this
    private volatile long[] values = new long[0];
    private volatile long takenAtNanos;
    private volatile boolean taken;
    private volatile long copiedAtNanos; // when the latest successful copy was taken
    private volatile boolean copied;
    private final AtomicLong refreshes = new AtomicLong();
    private final AtomicReference<CompletableFuture<Void>> pendingCopy = new AtomicReference<>();

    public LoopSampler(Reactor reactor) {
        this(reactor, DEFAULT_MAX_AGE);
    }

    /** @throws IllegalArgumentException if {@code maxAge} is not between 1 ms and 1 h */
    public LoopSampler(Reactor reactor, Duration maxAge) {
        this(reactor, maxAge, Tags.empty());
    }

    /**
     * The sampler of loop {@code loop} of a {@code ReactorGroup}: every meter bound through it carries
     * {@code loop="<loop>"}, so one registry holds every loop's meters apart.
     */
    public LoopSampler(Reactor reactor, int loop) {
        this(reactor, DEFAULT_MAX_AGE, Tags.of("loop", Integer.toString(loop)));
    }

    private LoopSampler(Reactor reactor, Duration maxAge, Tags loopTags) {
        this.loopTags = loopTags;
        this.reactor = Objects.requireNonNull(reactor, "reactor");
        if (maxAge.compareTo(Duration.ofMillis(1)) < 0 || maxAge.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("maxAge " + maxAge + " outside 1ms..1h");
        }
        this.maxAgeNanos = maxAge.toNanos();
    }

    public Reactor reactor() {
        return reactor;
    }

    /** What every meter bound through this sampler carries ({@code loop="<i>"} for a loop of a group). */
    public Tags loopTags() {
        return loopTags;
    }

    /** Registers a value read on the loop at each refresh; returns its slot. */
    synchronized int add(LongSupplier readOnLoop) {
        readers.add(Objects.requireNonNull(readOnLoop, "readOnLoop"));
        taken = false; // the next read takes a copy that includes the new slot
        return readers.size() - 1;
    }

    /**
     * Takes a new copy on the loop (waits for the loop, at most {@link Reactor#call}'s bound). A closed or stuck loop
     * leaves the previous copy in place and returns false.
     */
    public synchronized boolean refresh() {
        final LongSupplier[] slots = readers.toArray(new LongSupplier[0]);
        try {
            values = reactor.call(() -> copy(slots));
            copiedAtNanos = System.nanoTime();
            copied = true;
            refreshes.incrementAndGet();
            return true;
        } catch (IOException | RuntimeException e) {
            log.debug("no metrics snapshot from {}: {}", reactor, e.toString());
            return false;
        } finally {
            // Also after a failure: a dead loop is not asked again for every meter of the same scrape.
            takenAtNanos = System.nanoTime();
            taken = true;
        }
    }

    /**
     * Hands a copy task to the loop (unless one is already outstanding) and waits at most {@code wait} for it: a stuck
     * loop costs the caller {@code wait}, and a flood of callers costs the stuck loop one queued task, not one each.
     *
     * @return whether a copy was taken within {@code wait}; false also when the reactor is closed
     */
    public boolean refreshWithin(Duration wait) {
        CompletableFuture<Void> copy;
        synchronized (this) {
            copy = pendingCopy.get();
            if (copy == null) {
                copy = handCopy(readers.toArray(new LongSupplier[0]));
                if (copy == null) {
                    return false;
                }
            }
        }
        try {
            copy.get(wait.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Hands one copy task to the loop; null if the reactor refused it (closed). Called holding this. */
    private CompletableFuture<Void> handCopy(LongSupplier[] slots) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pendingCopy.set(done);
        try {
            reactor.execute(() -> {
                values = copy(slots);
                long now = System.nanoTime();
                copiedAtNanos = now;
                takenAtNanos = now;
                copied = true;
                taken = true;
                refreshes.incrementAndGet();
                pendingCopy.compareAndSet(done, null);
                done.complete(null);
            });
            return done;
        } catch (RejectedExecutionException closed) {
            pendingCopy.compareAndSet(done, null);
            return null;
        }
    }

    private static long[] copy(LongSupplier[] slots) {
        long[] copy = new long[slots.length];
        for (int i = 0; i < slots.length; i++) {
            copy[i] = slots[i].getAsLong();
        }
        return copy;
    }

    /** Nanoseconds since the latest successful copy; {@link Long#MAX_VALUE} before the first one. */
    public long copyAgeNanos() {
        return copied ? System.nanoTime() - copiedAtNanos : Long.MAX_VALUE;
    }

    /**
     * Takes a new copy unless the latest is younger than {@code minAge}: what an HTTP endpoint calls per scrape, so a
     * client hammering {@code /metrics} costs the loop at most one task per {@code minAge}, whatever its rate.
     *
     * @return whether a copy is in place (fresh or recent enough)
     */
    public boolean refreshIfOlderThan(Duration minAge) {
        synchronized (this) {
            if (taken && System.nanoTime() - takenAtNanos < minAge.toNanos()) {
                return true;
            }
            return refresh();
        }
    }

    /** How many copies were taken so far (a scrape should add exactly one). */
    public long refreshes() {
        return refreshes.get();
    }

    /** The value in {@code slot} as of the latest copy (refreshed first if older than the max age). */
    double value(int slot) {
        if (!taken || System.nanoTime() - takenAtNanos > maxAgeNanos) {
            synchronized (this) {
                if (!taken || System.nanoTime() - takenAtNanos > maxAgeNanos) {
                    refresh();
                }
            }
        }
        long[] v = values;
        return slot < v.length ? v[slot] : Double.NaN;
    }

    /** Registers a monotonic counter whose value is read on the loop. */
    void counter(MeterRegistry registry, String name, String description, String baseUnit, Tags tags,
            LongSupplier readOnLoop) {
        final int slot = add(readOnLoop);
        // The function captures this sampler: Micrometer holds the object only weakly.
        FunctionCounter.builder(name, this, s -> value(slot))
                .description(description).baseUnit(baseUnit).tags(tags).tags(loopTags).register(registry);
    }

    /** Registers a gauge whose value is read on the loop. */
    void gauge(MeterRegistry registry, String name, String description, String baseUnit, Tags tags,
            LongSupplier readOnLoop) {
        final int slot = add(readOnLoop);
        Gauge.builder(name, this, s -> s.value(slot))
                .description(description).baseUnit(baseUnit).tags(tags).tags(loopTags).strongReference(true)
                .register(registry);
    }

    /** Registers a gauge of nanos read on the loop, reported in seconds. */
    void secondsGauge(MeterRegistry registry, String name, String description, Tags tags, LongSupplier nanosOnLoop) {
        final int slot = add(nanosOnLoop);
        Gauge.builder(name, this, s -> s.value(slot) / 1e9)
                .description(description).baseUnit("seconds").tags(tags).tags(loopTags).strongReference(true)
                .register(registry);
    }
}
