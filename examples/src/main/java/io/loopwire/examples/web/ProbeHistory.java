package io.loopwire.examples.web;

import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeListener;
import io.loopwire.probe.ProbeTarget;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The last {@code history} of every target's rounds, for the live page: a fixed ring per target of (wall-clock time,
 * RTT or loss), 12 bytes a round, sized {@code history / interval + 1} rounds (at most {@value #MAX_ROUNDS} per target)
 * when the first round arrives. An hour at the default 10 s interval is 361 rounds, 4.3 KiB per target; at 1 s,
 * 43 KiB.
 *
 * @implNote Loop thread only, {@link #copy} included (call it through {@code reactor.call}); recording allocates
 *     nothing after a target's first round.
 */
public final class ProbeHistory implements ProbeListener {
    /**
     * Rounds kept per target at most, whatever history and interval ask: 240 KB. The page copies a target's rounds on
     * the loop at each poll, so this also bounds that copy.
     */
    public static final int MAX_ROUNDS = 20_000;
    static final int LOSS = -1;

    private final int capacity;
    private final Map<ProbeTarget, Ring> rings = new IdentityHashMap<>();

    /** @throws IllegalArgumentException if history or interval is not positive */
    public ProbeHistory(Duration history, Duration interval) {
        if (history.isNegative() || history.isZero() || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("history " + history + " and interval " + interval
                    + " must be positive");
        }
        long rounds = history.toNanos() / interval.toNanos() + 1;
        this.capacity = (int) Math.min(MAX_ROUNDS, Math.max(2, rounds));
    }

    /** Rounds kept per target. */
    public int capacity() {
        return capacity;
    }

    @Override
    public void onRound(ProbeTarget target, long rttNanos, LinkState state) {
        Ring ring = rings.get(target);
        if (ring == null) {
            ring = new Ring(capacity);
            rings.put(target, ring);
        }
        ring.add(System.currentTimeMillis(), rttNanos < 0 ? LOSS : (int) Math.min(Integer.MAX_VALUE, rttNanos / 1000));
    }

    /** Forgets the rounds of targets no longer probed. Loop thread. */
    @Override
    public void onTargetsChanged(java.util.List<ProbeTarget> added, java.util.List<ProbeTarget> removed) {
        removed.forEach(rings::remove);
    }

    /** The rounds of {@code target}, oldest first. Loop thread only. */
    public Rounds copy(ProbeTarget target) {
        Ring ring = rings.get(target);
        if (ring == null) {
            return new Rounds(new long[0], new int[0]);
        }
        long[] at = new long[ring.count];
        int[] rtt = new int[ring.count];
        for (int i = 0; i < ring.count; i++) {
            int slot = Math.floorMod(ring.head - ring.count + i, capacity);
            at[i] = ring.atMillis[slot];
            rtt[i] = ring.rttMicros[slot];
        }
        return new Rounds(at, rtt);
    }

    /** One target's rounds: wall-clock millis and RTT in microseconds ({@code -1} for a loss). */
    public record Rounds(long[] atMillis, int[] rttMicros) {
    }

    private static final class Ring {
        final long[] atMillis;
        final int[] rttMicros;
        int head;
        int count;

        Ring(int capacity) {
            atMillis = new long[capacity];
            rttMicros = new int[capacity];
        }

        void add(long at, int rtt) {
            atMillis[head] = at;
            rttMicros[head] = rtt;
            head = head + 1 == atMillis.length ? 0 : head + 1;
            if (count < atMillis.length) {
                count++;
            }
        }
    }
}
