package io.loopwire.probe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A {@link ProbeListener} that records every round and state change (with the prober-side time it saw them) and
 * lets a test wait, with a deadline, until something was recorded.
 *
 * @implNote Callbacks come from the prober's reactor thread; readers are test threads. Everything is guarded by
 *     {@code this}.
 */
public final class Recorder implements ProbeListener {

    /** One finished round: {@code rttNanos < 0} is a loss; {@code atNanos} is System.nanoTime() at the callback. */
    public record Round(String target, long rttNanos, LinkState state, long atNanos) {
        /** When the probe left, for a reply (callback time minus RTT). */
        public long sentAtNanos() {
            return atNanos - rttNanos;
        }
    }

    /**
     * One confirmed change; {@code round} is the index (in {@link #rounds()}) of the round that caused it;
     * {@code rttNanos} the RTT the change quotes.
     */
    public record Change(String target, LinkState from, LinkState to, int round, long rttNanos) {
    }

    private final List<Round> rounds = new ArrayList<>();
    private final List<Change> changes = new ArrayList<>();
    private boolean finished;

    @Override
    public synchronized void onRound(ProbeTarget target, long rttNanos, LinkState state) {
        rounds.add(new Round(target.name(), rttNanos, state, System.nanoTime()));
        notifyAll();
    }

    @Override
    public synchronized void onStateChange(ProbeTarget target, LinkState from, LinkState to, long rttNanos) {
        // onRound of the same round was called just before: its index is the last one.
        changes.add(new Change(target.name(), from, to, rounds.size() - 1, rttNanos));
        notifyAll();
    }

    @Override
    public synchronized void onFinished() {
        finished = true;
        notifyAll();
    }

    public synchronized List<Round> rounds() {
        return new ArrayList<>(rounds);
    }

    public synchronized List<Change> changes() {
        return new ArrayList<>(changes);
    }

    public synchronized List<LinkState> states() {
        return changes.stream().map(Change::to).toList();
    }

    /** Waits until {@code condition} holds for this recorder or {@code timeout} passes; returns whether it held. */
    public synchronized boolean await(Predicate<Recorder> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(this)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Waits for the {@code n}-th change to {@code state} (counting from 1). */
    public boolean awaitChangeTo(LinkState state, int n, Duration timeout) throws InterruptedException {
        return await(r -> r.changes.stream().filter(c -> c.to() == state).count() >= n, timeout);
    }

    public boolean awaitChangeTo(LinkState state, Duration timeout) throws InterruptedException {
        return awaitChangeTo(state, 1, timeout);
    }

    public boolean awaitRounds(int n, Duration timeout) throws InterruptedException {
        return await(r -> r.rounds.size() >= n, timeout);
    }

    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return await(r -> r.finished, timeout);
    }

    /** The first change to {@code state} at or after round index {@code from}, or null. */
    public synchronized Change firstChangeTo(LinkState state, int from) {
        for (Change c : changes) {
            if (c.to() == state && c.round() >= from) {
                return c;
            }
        }
        return null;
    }
}
