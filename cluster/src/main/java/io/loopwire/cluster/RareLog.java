package io.loopwire.cluster;

import org.slf4j.Logger;

/**
 * Logs a recurring failure at most once per {@link #EVERY} occurrences (the first, then every {@code EVERY}th, each
 * with the running count), so a hostile or broken peer cannot flood the log; the counters say the rest.
 *
 * @implNote Stateless; thread-safe. The caller owns the count (a {@link ClusterStats} counter).
 */
final class RareLog {
    static final long EVERY = 1000;

    private RareLog() {
    }

    /** Warns about occurrence number {@code count} (1-based) if it is the first or an {@code EVERY}th one. */
    static void warn(Logger log, long count, String what, Object detail) {
        if (count == 1 || count % EVERY == 0) {
            log.warn("{} ({} so far; logged once per {}): {}", what, count, EVERY, detail);
        }
    }
}
