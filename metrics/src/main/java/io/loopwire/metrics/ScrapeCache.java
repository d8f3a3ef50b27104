package io.loopwire.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One rendering of a registry per copy of the loops' values, served as cached bytes: a scrape flood costs each loop at
 * most one copy task per {@code minCopyAge} and the HTTP side one rendering per copy and content type; every other
 * scrape in between gets the same bytes.
 *
 * <p>Honest when a loop is stuck: a copy is asked of every loop with a bounded wait ({@link
 * LoopSampler#refreshWithin}); when one does not answer, {@link #get} renders nothing and returns a {@link Scrape}
 * whose {@link Scrape#problem} names the loop and the age of its last copy, so the caller answers 503 instead of
 * passing old numbers off as current (the same answer, without waiting again, until {@code minCopyAge} has passed or a
 * loop has copied since). Bytes are served at most {@code minCopyAge} after their copy was taken.
 *
 * @implNote Thread-safe; {@link #get} is serialised (callers arriving during a render wait for it and share its bytes).
 */
public final class ScrapeCache {
    /** Writes the registry's exposition in a content type (e.g. {@code PrometheusMeterRegistry::scrape}). */
    @FunctionalInterface
    public interface Renderer {
        void render(OutputStream out, String contentType) throws IOException;
    }

    /** A scrape's result: the bytes, or why there are none. */
    public static final class Scrape {
        private final byte[] body;
        private final String problem;

        private Scrape(byte[] body, String problem) {
            this.body = body;
            this.problem = problem;
        }

        /** Whether {@link #body} holds a current rendering. */
        public boolean ok() {
            return problem == null;
        }

        /** The exposition bytes (shared: do not modify); null when not {@link #ok}. */
        public byte[] body() {
            return body;
        }

        /** Why there is no body (names the stuck loops); null when {@link #ok}. */
        public String problem() {
            return problem;
        }
    }

    private final Renderer renderer;
    private final List<LoopSampler> samplers;
    private final long minCopyAgeNanos;
    private final Duration copyWait;
    private final Map<String, byte[]> rendered = new HashMap<>(); // guarded by this; for the copy taken at copyAtNanos
    private long copyAtNanos; // guarded by this
    private boolean haveCopy; // guarded by this
    private long renders; // guarded by this
    private String stuck; // guarded by this; the latest failed copy's problem, answered again until minCopyAge passes
    private long stuckAtNanos; // guarded by this

    /**
     * @param minCopyAge scrapes closer together than this share one copy and its renderings
     * @param copyWait how long a scrape waits for each loop's copy before answering that the loop is stuck
     * @throws IllegalArgumentException if {@code minCopyAge} is not within 1 ms..10 s or {@code copyWait} within
     *     1 ms..10 s
     */
    public ScrapeCache(Renderer renderer, List<LoopSampler> samplers, Duration minCopyAge, Duration copyWait) {
        this.renderer = Objects.requireNonNull(renderer, "renderer");
        this.samplers = List.copyOf(samplers);
        checkRange("minCopyAge", minCopyAge);
        checkRange("copyWait", copyWait);
        this.minCopyAgeNanos = minCopyAge.toNanos();
        this.copyWait = copyWait;
    }

    private static void checkRange(String name, Duration d) {
        if (d.compareTo(Duration.ofMillis(1)) < 0 || d.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException(name + " " + d + " outside 1ms..10s");
        }
    }

    /** The exposition in {@code contentType}: cached if the copy is recent, else after a new copy and rendering. */
    public synchronized Scrape get(String contentType) throws IOException {
        long now = System.nanoTime();
        if (!haveCopy || now - copyAtNanos >= minCopyAgeNanos) {
            if (stuck != null && now - stuckAtNanos < minCopyAgeNanos && !copiedSince(stuckAtNanos, now)) {
                return new Scrape(null, stuck); // scrapes queued behind a failed copy do not each wait again
            }
            rendered.clear();
            haveCopy = false;
            String problem = copyAll();
            if (problem != null) {
                stuck = problem;
                stuckAtNanos = System.nanoTime();
                return new Scrape(null, problem);
            }
            stuck = null;
            copyAtNanos = System.nanoTime();
            haveCopy = true;
        }
        byte[] body = rendered.get(contentType);
        if (body == null) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
            renderer.render(out, contentType);
            body = out.toByteArray();
            rendered.put(contentType, body);
            renders++;
        }
        return new Scrape(body, null);
    }

    /** Whether some loop has copied since {@code sinceNanos}: a stuck loop has run again, so ask them all afresh. */
    private boolean copiedSince(long sinceNanos, long now) {
        for (LoopSampler sampler : samplers) {
            long age = sampler.copyAgeNanos();
            if (age != Long.MAX_VALUE && (now - age) - sinceNanos > 0) {
                return true;
            }
        }
        return false;
    }

    /** Asks every loop for a copy; null when all answered, else the stuck loops and their copies' ages. */
    private String copyAll() {
        List<String> stuck = new ArrayList<>(0);
        long deadline = System.nanoTime() + copyWait.toNanos();
        for (LoopSampler sampler : samplers) {
            // One wait for all loops, so N stuck loops cost a scrape about copyWait, not N times it; a loop asked
            // after that still gets a tenth of it to answer.
            long waitNanos = Math.max(deadline - System.nanoTime(), copyWait.toNanos() / 10);
            if (!sampler.refreshWithin(Duration.ofNanos(waitNanos))) {
                long age = sampler.copyAgeNanos();
                stuck.add("loop " + sampler.reactor().name() + " did not copy its metrics within "
                        + copyWait.toMillis() + " ms (last copy " + (age == Long.MAX_VALUE ? "never"
                        : String.format("%.1f s ago", age / 1e9)) + ")");
            }
        }
        return stuck.isEmpty() ? null : String.join("\n", stuck);
    }

    /** Renderings done so far (a flood within one copy adds at most one per content type). */
    public synchronized long renders() {
        return renders;
    }
}
