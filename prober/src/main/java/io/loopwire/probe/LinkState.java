package io.loopwire.probe;

/**
 * What a target's link looks like after classification. {@link #PENDING} is a loss not yet confirmed as an outage:
 * printed, never mailed.
 */
public enum LinkState {
    /** Replies arrive under the {@code slow} threshold. */
    NORMAL,
    /** Replies arrive under the {@code very-slow} threshold. */
    SLOW,
    /** Replies arrive, but at or over the {@code very-slow} threshold. */
    VERY_SLOW,
    /** Some probes were lost, fewer than {@code down-after} in a row. */
    PENDING,
    /** At least {@code down-after} consecutive probes were lost. */
    DOWN;

    /** Whether this state is a problem worth alerting on. */
    public boolean isProblem() {
        return this == SLOW || this == VERY_SLOW || this == DOWN;
    }
}
