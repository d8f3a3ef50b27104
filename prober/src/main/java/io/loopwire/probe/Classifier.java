package io.loopwire.probe;

import java.util.Objects;

/**
 * One target's link-state machine: turns each probe round (a reply's RTT, or a loss) into a confirmed
 * {@link LinkState}, so one odd sample never flips the state.
 *
 * <p>Rounds must be fed in the order their probes were <em>sent</em> (the prober holds a reply back until every
 * earlier probe of the same target is answered or timed out), so "consecutive" always means consecutive probes, and a
 * stale reply to a probe sent before a change can never land between the rounds that confirm the next one.
 *
 * <h2>Rules</h2>
 * <table>
 *   <caption>What each round does</caption>
 *   <tr><th>round</th><th>raw state</th><th>effect on the state shown</th></tr>
 *   <tr><td>reply, RTT &lt; {@code slow}</td><td>NORMAL</td><td rowspan="3">the first reply ever (or the first
 *       after a start of fewer than {@code downAfter} losses) sets the state at once; after that, the state changes
 *       only on the {@code confirm}-th consecutive round that classifies as the same new state. A round equal to the
 *       current state, a round of a third state (it restarts the count, now for itself) or a loss restarts the
 *       count. A reply ends PENDING at once (back to the confirmed state).</td></tr>
 *   <tr><td>reply, RTT &lt; {@code verySlow}</td><td>SLOW</td></tr>
 *   <tr><td>reply, RTT &ge; {@code verySlow}</td><td>VERY_SLOW</td></tr>
 *   <tr><td>loss, fewer than {@code downAfter} in a row</td><td>PENDING</td><td>PENDING at once (DOWN stays
 *       DOWN); never alerted</td></tr>
 *   <tr><td>loss, the {@code downAfter}-th in a row</td><td>DOWN</td><td>DOWN at once: {@code downAfter} losses
 *       are the confirmation</td></tr>
 * </table>
 *
 * <p>Timing a user can expect, probing every {@code interval}: a link that goes silent is DOWN about
 * {@code downAfter × interval + timeout} after its first lost probe was sent (the last of those probes must time
 * out); a link whose RTT moves to another band changes state on the {@code confirm}-th probe sent after the move,
 * about {@code confirm × interval + RTT} later; a recovery from DOWN likewise takes {@code confirm} replies. A
 * link alternating between two bands on every probe keeps its state (no {@code confirm} rounds agree).
 *
 * <p>{@link #onReply} and {@link #onLoss} return the new state when the state shown changed, else {@code null};
 * {@link #changeRttNanos()} then gives the RTT to quote for that change: the median (nearest rank) of the RTTs of the
 * rounds that confirmed it, the reply itself for a first classification or the end of PENDING, {@code -1} for a loss.
 *
 * <p>Deciding what is a loss (no reply within {@code timeout}; late, duplicate and foreign replies are not rounds) is
 * the prober's job; {@link #onReply} trusts the RTT it is given.
 *
 * @implNote Not thread-safe: one instance per target, used only by the prober's reactor thread. Nothing allocates
 *     after construction (two arrays of {@code confirm} longs).
 */
public final class Classifier {

    private final ClassifierConfig config;
    private final long slowNanos;
    private final long verySlowNanos;
    private final int downAfter;
    private final int confirm;

    /** What is shown; null until the first round. */
    private LinkState state;
    /** Last confirmed state other than PENDING; null until the first reply or DOWN. */
    private LinkState base;
    private LinkState lastRaw;
    private int consecutiveLosses;
    /** The state the current run of rounds classifies as (never base), or null. */
    private LinkState candidate;
    private int candidateRounds;
    /** RTTs of the current run, in order. */
    private final long[] candidateRtts;
    private final long[] scratch;
    private long changeRttNanos = -1;

    public Classifier(ClassifierConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.slowNanos = config.slow().toNanos();
        this.verySlowNanos = config.verySlow().toNanos();
        this.downAfter = config.downAfter();
        this.confirm = config.confirm();
        this.candidateRtts = new long[confirm];
        this.scratch = new long[confirm];
    }

    /** The raw state of a reply with this RTT: NORMAL, SLOW or VERY_SLOW. */
    public LinkState classify(long rttNanos) {
        if (rttNanos < slowNanos) {
            return LinkState.NORMAL;
        }
        return rttNanos < verySlowNanos ? LinkState.SLOW : LinkState.VERY_SLOW;
    }

    /** One round answered with this RTT. Returns the new state if the state shown changed, else {@code null}. */
    public LinkState onReply(long rttNanos) {
        final LinkState raw = classify(rttNanos);
        lastRaw = raw;
        consecutiveLosses = 0;
        changeRttNanos = rttNanos;
        if (base == null) {
            base = raw;
            resetCount();
        } else if (raw == base) {
            resetCount();
        } else {
            if (raw != candidate) {
                candidate = raw; // a new state, or a third one: the count starts again with this round
                candidateRounds = 0;
            }
            candidateRtts[candidateRounds++] = rttNanos;
            if (candidateRounds >= confirm) {
                base = candidate;
                changeRttNanos = medianOfRun();
                resetCount();
            }
        }
        return show(base);
    }

    /** One round lost. Returns the new state if the state shown changed, else {@code null}. */
    public LinkState onLoss() {
        if (consecutiveLosses < Integer.MAX_VALUE) {
            consecutiveLosses++;
        }
        resetCount();
        changeRttNanos = -1;
        if (consecutiveLosses >= downAfter) {
            lastRaw = LinkState.DOWN;
            base = LinkState.DOWN;
            return show(LinkState.DOWN);
        }
        lastRaw = LinkState.PENDING;
        return show(base == LinkState.DOWN ? LinkState.DOWN : LinkState.PENDING);
    }

    /**
     * The RTT to quote for the last round's change: the median of the confirming rounds' RTTs, the reply's own RTT
     * for a first classification or the end of PENDING, {@code -1} after a loss. Meaningful right after a call that
     * returned a change.
     */
    public long changeRttNanos() {
        return changeRttNanos;
    }

    /** The state shown: PENDING, a confirmed state, or {@code null} before the first round. */
    public LinkState state() {
        return state;
    }

    /** Whether at least one round was classified. */
    public boolean isKnown() {
        return state != null;
    }

    /** The raw state of the last round, {@code null} before the first. */
    public LinkState lastRawState() {
        return lastRaw;
    }

    /** Losses since the last reply. */
    public int consecutiveLosses() {
        return consecutiveLosses;
    }

    public ClassifierConfig config() {
        return config;
    }

    private LinkState show(LinkState next) {
        if (next == state) {
            return null;
        }
        state = next;
        return next;
    }

    private void resetCount() {
        candidate = null;
        candidateRounds = 0;
    }

    /** Nearest-rank median of the current run (a real sample), by insertion sort: confirm is small. */
    private long medianOfRun() {
        final int n = candidateRounds;
        for (int i = 0; i < n; i++) {
            final long v = candidateRtts[i];
            int j = i - 1;
            while (j >= 0 && scratch[j] > v) {
                scratch[j + 1] = scratch[j];
                j--;
            }
            scratch[j + 1] = v;
        }
        return scratch[(n + 1) / 2 - 1];
    }

    @Override
    public String toString() {
        return "Classifier[state=" + state + ", base=" + base + ", losses=" + consecutiveLosses + ", candidate="
                + candidate + " x" + candidateRounds + "]";
    }
}
