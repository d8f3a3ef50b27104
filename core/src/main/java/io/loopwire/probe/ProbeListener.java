package io.loopwire.probe;

/**
 * What a {@link LatencyProber} reports. Every method has an empty default.
 *
 * @implNote Called on the prober's reactor thread: keep it short and never block (hand slow work, like e-mail, to
 *     another thread).
 */
public interface ProbeListener {

    /**
     * A round of {@code target} ended: a reply after {@code rttNanos}, or a loss ({@code rttNanos < 0}).
     * {@code state} is the confirmed state after this round.
     */
    default void onRound(ProbeTarget target, long rttNanos, LinkState state) {
    }

    /** The confirmed state of {@code target} changed ({@code from} is null for its first classification). */
    default void onStateChange(ProbeTarget target, LinkState from, LinkState to, long rttNanos) {
    }

    /** Every target finished the number of rounds the prober was asked for. */
    default void onFinished() {
    }
}
