package io.loopwire;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N {@link Reactor}s, each with its own thread and selector, sharing nothing mutable: how a loopwire service grows
 * past one core. Threads are named {@code loopwire-loop-<i>}. The group hands out loops; what spans them (a chat
 * room, say) does so by message passing with {@link Reactor#execute}, never by sharing state.
 *
 * @implNote Thread-safe.
 */
public final class ReactorGroup implements AutoCloseable {
    /** Loop threads are named this plus the loop's index. */
    public static final String THREAD_PREFIX = "loopwire-loop-";
    /** More loops than this is a configuration mistake, not a machine. */
    public static final int MAX_LOOPS = 256;

    private final Reactor[] reactors;
    private final AtomicInteger next = new AtomicInteger();

    /** {@code loops} reactors, not yet started. */
    public ReactorGroup(int loops) {
        if (loops < 1 || loops > MAX_LOOPS) {
            throw new IllegalArgumentException("loops must be in 1.." + MAX_LOOPS + ", was " + loops);
        }
        reactors = new Reactor[loops];
        for (int i = 0; i < loops; i++) {
            reactors[i] = new Reactor(THREAD_PREFIX + i);
        }
    }

    /** One loop per available processor (what {@code --loops auto} means). */
    public static int availableProcessors() {
        return Math.min(MAX_LOOPS, Runtime.getRuntime().availableProcessors());
    }

    /** Starts every loop on its own thread. */
    public ReactorGroup start() {
        for (Reactor r : reactors) {
            r.start();
        }
        return this;
    }

    public int size() {
        return reactors.length;
    }

    /** Loop {@code index} (0-based). */
    public Reactor get(int index) {
        return reactors[index];
    }

    /** Every loop, in index order. */
    public List<Reactor> reactors() {
        return List.of(reactors);
    }

    /** The loops in turn, for spreading work round-robin. */
    public Reactor next() {
        return reactors[Math.floorMod(next.getAndIncrement(), reactors.length)];
    }

    /** Closes every loop gracefully, all at once (each flushes within {@code grace}), and waits for them. */
    public void close(Duration grace) {
        Thread[] closers = new Thread[reactors.length];
        for (int i = 0; i < reactors.length; i++) {
            Reactor r = reactors[i];
            closers[i] = new Thread(() -> r.close(grace), "loopwire-close-" + i);
            closers[i].start();
        }
        for (Thread t : closers) {
            try {
                t.join(grace.plusSeconds(6).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        close(Reactor.DEFAULT_GRACE);
    }

    /** Waits until every loop has finished; whether all did within {@code timeout}. */
    public boolean awaitTermination(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Reactor r : reactors) {
            if (!r.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "ReactorGroup" + Arrays.toString(reactors);
    }
}
