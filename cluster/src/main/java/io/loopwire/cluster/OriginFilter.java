package io.loopwire.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decides whether a received line is new: one sequence counter per origin incarnation (node id plus the random
 * per-start incarnation). A line at or below the last sequence seen from its incarnation is a duplicate; a jump
 * counts the missing lines as gaps. A node restarted with the same id has a new incarnation and so a fresh counter:
 * its first lines are never taken for replays of the old run.
 *
 * <p>Incarnations are remembered up to {@link #MAX_ORIGINS}, least recently heard forgotten first (a forgotten one
 * has been silent while that many others spoke; its node has almost surely restarted since).
 *
 * @implNote Confined to jnats' dispatcher thread (one thread per dispatcher, messages in order).
 */
final class OriginFilter {
    static final int MAX_ORIGINS = 4096;

    /** Result of {@link #accept}. */
    enum Verdict { NEW, DUPLICATE }

    private final Map<String, long[]> lastSeq = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > MAX_ORIGINS;
        }
    };
    private final ClusterStats stats;

    OriginFilter(ClusterStats stats) {
        this.stats = stats;
    }

    Verdict accept(String node, String incarnation, long seq) {
        String origin = node + '/' + incarnation;
        long[] last = lastSeq.get(origin);
        if (last == null) {
            // First line heard from this incarnation: earlier ones (if any) went out before we subscribed.
            lastSeq.put(origin, new long[] {seq});
            return Verdict.NEW;
        }
        if (seq <= last[0]) {
            stats.duplicates.incrementAndGet();
            return Verdict.DUPLICATE;
        }
        if (seq > last[0] + 1) {
            stats.gaps.addAndGet(seq - last[0] - 1);
        }
        last[0] = seq;
        return Verdict.NEW;
    }
}
