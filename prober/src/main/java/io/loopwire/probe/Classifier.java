package io.loopwire.probe;

import java.util.Objects;

/**
 * One target's link-state machine: turns each probe round (a reply's RTT, or a loss) into a confirmed
 * {@link LinkState}, so one odd sample never flips the state (DESIGN.md, "Latency states and alerts").
 *
 * <h2>Raw state of a round</h2>
 * <ul>
 *   <li>A reply: RTT {@code < slow} is {@link LinkState#NORMAL}, {@code < verySlow} {@link LinkState#SLOW}, else
 *       {@link LinkState#VERY_SLOW}. The loss streak is reset to 0.</li>
 *   <li>A loss: the loss streak grows by one; while it is below {@code downAfter} the round is
 *       {@link LinkState#PENDING}, from {@code downAfter} on it is {@link LinkState#DOWN}.</li>
 * </ul>
 * Deciding what is a loss (no reply within {@code timeout}; late, duplicate and foreign replies are not rounds) is
 * the prober's job; {@link #onReply} trusts the RTT it is given.
 *
 * <h2>Confirmed state ({@link #state()})</h2>
 * Severity orders the states NORMAL &lt; SLOW &lt; VERY_SLOW &lt; DOWN. Besides the state shown, the classifier keeps
 * the <em>base</em> state: the last confirmed state other than PENDING.
 * <ol>
 *   <li><b>Unknown until the first round.</b> {@link #state()} is {@code null}. The first reply sets the state to
 *       its raw state at once (no confirmation), so a target that is bad at start is reported at once; the same
 *       holds for the first reply after a start made only of fewer than {@code downAfter} losses.</li>
 *   <li><b>DOWN at once</b> when the loss streak reaches {@code downAfter}: {@code downAfter} already is the
 *       confirmation of an outage.</li>
 *   <li><b>PENDING at once</b> on a loss below {@code downAfter}, unless the base state is DOWN (a target that is
 *       down and lost again stays DOWN). PENDING is the "not yet confirmed" state and is never alerted.</li>
 *   <li><b>A reply ends PENDING</b>: the state shown goes back to the base state (or to whatever rule 4 confirms
 *       with this reply), without waiting for confirmation; one lost packet costs one PENDING round.</li>
 *   <li><b>Leaving the base state needs {@code confirm} consecutive replies that agree on the direction</b>: each of
 *       them worse than the base state, or each better. The new state is the one closest to the base among those
 *       rounds (for a worse streak the mildest, for a better streak the worst), i.e. the change that every round
 *       of the streak supports. A reply whose raw state equals the base, a reply in the other direction, or a loss
 *       breaks the streak. When all rounds agree on one state (the usual case) that state is the new one; the
 *       direction rule only matters for a link oscillating across a threshold, which would otherwise never leave
 *       DOWN (e.g. replies alternating 90 ms / 110 ms after an outage become SLOW after {@code confirm} rounds).
 *       </li>
 * </ol>
 * Recovery from DOWN is rule 5: {@code confirm} consecutive replies.
 *
 * <p>{@link #onReply} and {@link #onLoss} return the new state when the state shown changed, else {@code null}.
 *
 * @implNote Not thread-safe: one instance per target, used only by the prober's reactor thread. Nothing allocates.
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
    /** +1 for a streak of replies worse than base, -1 for better, 0 for none. */
    private int streakDirection;
    private int streakRounds;
    /** The state closest to base seen in the current streak. */
    private LinkState streakBound;

    public Classifier(ClassifierConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.slowNanos = config.slow().toNanos();
        this.verySlowNanos = config.verySlow().toNanos();
        this.downAfter = config.downAfter();
        this.confirm = config.confirm();
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
        if (base == null) {
            base = raw;
            resetStreak();
        } else if (raw == base) {
            resetStreak();
        } else {
            // Ordinals follow severity for every state a streak compares (PENDING is never base nor in a streak).
            final int direction = raw.compareTo(base) > 0 ? 1 : -1;
            if (direction != streakDirection) {
                streakDirection = direction;
                streakRounds = 0;
                streakBound = raw;
            } else if (Math.abs(raw.ordinal() - base.ordinal()) < Math.abs(streakBound.ordinal() - base.ordinal())) {
                streakBound = raw;
            }
            if (++streakRounds >= confirm) {
                base = streakBound;
                resetStreak();
            }
        }
        return show(base);
    }

    /** One round lost. Returns the new state if the state shown changed, else {@code null}. */
    public LinkState onLoss() {
        if (consecutiveLosses < Integer.MAX_VALUE) {
            consecutiveLosses++;
        }
        resetStreak();
        if (consecutiveLosses >= downAfter) {
            lastRaw = LinkState.DOWN;
            base = LinkState.DOWN;
            return show(LinkState.DOWN);
        }
        lastRaw = LinkState.PENDING;
        return show(base == LinkState.DOWN ? LinkState.DOWN : LinkState.PENDING);
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

    private void resetStreak() {
        streakDirection = 0;
        streakRounds = 0;
        streakBound = null;
    }

    @Override
    public String toString() {
        return "Classifier[state=" + state + ", base=" + base + ", losses=" + consecutiveLosses + ", streak="
                + streakRounds + "]";
    }
}
