package io.loopwire.probe;

import java.util.List;

/**
 * What a {@link LatencyProber} reports. Every method has an empty default.
 *
 * @implNote Called on the prober's reactor thread: keep it short and never block (hand slow work, like e-mail, to
 *     another thread).
 */
public interface ProbeListener {

    /**
     * A round of {@code target} ended: a reply after {@code rttNanos}, or a loss ({@code rttNanos < 0}).
     * {@code state} is the confirmed state after this round. A target's rounds come in the order its probes were sent.
     */
    default void onRound(ProbeTarget target, long rttNanos, LinkState state) {
    }

    /**
     * The confirmed state of {@code target} changed ({@code from} is null for its first classification).
     * {@code rttNanos} is the RTT to quote for the change ({@link Classifier#changeRttNanos()}): the median of the
     * rounds that confirmed it, the reply's own RTT for a first classification or the end of PENDING, -1 for a loss.
     */
    default void onStateChange(ProbeTarget target, LinkState from, LinkState to, long rttNanos) {
    }

    /**
     * A {@code tls://} target's certificate was first seen or changed: its leaf's expiry ({@code notAfterMillis},
     * Unix millis) or its validity ({@code problem}, null when valid; see {@link ProbeTarget#certificateProblem()}).
     */
    default void onCertificate(ProbeTarget target, long notAfterMillis, String problem) {
    }

    /** Every target finished the number of rounds the prober was asked for. */
    default void onFinished() {
    }

    /**
     * The prober's targets were replaced ({@link LatencyProber#replaceTargets}): {@code added} are new (no rounds
     * yet), {@code removed} are no longer probed (drop what is kept for them). Unchanged targets are in neither list.
     */
    default void onTargetsChanged(List<ProbeTarget> added, List<ProbeTarget> removed) {
    }

    /** A listener that passes every callback to each of {@code listeners}, in order. */
    static ProbeListener all(ProbeListener... listeners) {
        final ProbeListener[] list = List.of(listeners).toArray(new ProbeListener[0]);
        return new ProbeListener() {
            @Override
            public void onRound(ProbeTarget target, long rttNanos, LinkState state) {
                for (ProbeListener l : list) {
                    l.onRound(target, rttNanos, state);
                }
            }

            @Override
            public void onStateChange(ProbeTarget target, LinkState from, LinkState to, long rttNanos) {
                for (ProbeListener l : list) {
                    l.onStateChange(target, from, to, rttNanos);
                }
            }

            @Override
            public void onTargetsChanged(List<ProbeTarget> added, List<ProbeTarget> removed) {
                for (ProbeListener l : list) {
                    l.onTargetsChanged(added, removed);
                }
            }

            @Override
            public void onCertificate(ProbeTarget target, long notAfterMillis, String problem) {
                for (ProbeListener l : list) {
                    l.onCertificate(target, notAfterMillis, problem);
                }
            }

            @Override
            public void onFinished() {
                for (ProbeListener l : list) {
                    l.onFinished();
                }
            }
        };
    }
}
