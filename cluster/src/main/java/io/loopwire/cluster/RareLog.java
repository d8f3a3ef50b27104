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
    static final int MAX_DETAIL_CHARS = 200;

    private RareLog() {
    }

    /** Warns about occurrence number {@code count} (1-based) if it is the first or an {@code EVERY}th one. */
    static void warn(Logger log, long count, String what, Object detail) {
        if (count == 1 || count % EVERY == 0) {
            log.warn("{} ({} so far; logged once per {}): {}", what, count, EVERY, printable(detail));
        }
    }

    /** The detail may come from a stranger (a header it sent): short, and without control characters. */
    static String printable(Object detail) {
        String text = String.valueOf(detail);
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_DETAIL_CHARS));
        for (int i = 0; i < text.length() && i < MAX_DETAIL_CHARS; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return text.length() > MAX_DETAIL_CHARS ? out + "..." : out.toString();
    }
}
