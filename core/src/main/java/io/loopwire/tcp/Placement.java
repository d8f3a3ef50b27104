package io.loopwire.tcp;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which loop serves each connection accepted by a set of listeners, one per loop of a
 * {@link io.loopwire.ReactorGroup} on one port ({@code SO_REUSEPORT}). The kernel picks the listener by hashing the
 * peer's address; this picks the loop, and a listener hands a connection it accepted for another loop over to that
 * loop's listener before it reads a byte.
 *
 * <p>The rule: while fewer than {@link #packBelow()} connections are open, a new one joins the loop that serves the
 * most (ties to the lowest index), so a small room lives on one loop. From that size on, a new one joins the loop
 * that serves the fewest (ties to the accepting loop, which then keeps it), so a large room is spread evenly. Why:
 * when every line goes to every member, each line a member on one loop sends crosses to every other loop that has
 * members, and a crossing costs the receiving loop a wake-up and a turn. With few members per loop nothing amortises
 * that cost (two loops measured at twice one loop's CPU per delivery with two members, one per loop); with dozens per
 * loop the crossing is shared by all of them. Connections stay where they were placed: a room that grew and
 * shrank again may stay spread.
 *
 * <p>{@code packBelow} 0 spreads every connection by count alone; the counts are of this placement's listeners only
 * (a plaintext and a TLS listener of one room each have their own).
 *
 * @implNote Thread-safe: the counts are atomic, read and written by every loop of the group.
 */
public final class Placement {
    private final int packBelow;
    private final AtomicIntegerArray open;
    private final AtomicReferenceArray<TcpServer> listeners;
    private final AtomicLong handOvers = new AtomicLong();

    /**
     * @param loops how many loops the listeners span
     * @param packBelow open connections below which new ones join the fullest loop (0: always the emptiest)
     */
    public Placement(int loops, int packBelow) {
        if (loops < 1) {
            throw new IllegalArgumentException("loops must be positive, was " + loops);
        }
        if (packBelow < 0) {
            throw new IllegalArgumentException("packBelow must be 0 or more, was " + packBelow);
        }
        this.packBelow = packBelow;
        this.open = new AtomicIntegerArray(loops);
        this.listeners = new AtomicReferenceArray<>(loops);
    }

    public int packBelow() {
        return packBelow;
    }

    /** How many loops the listeners span. */
    public int loops() {
        return open.length();
    }

    /** Connections placed on {@code loop} and not closed yet. */
    public int openOn(int loop) {
        return open.get(loop);
    }

    /** Connections accepted on one loop and handed over to another, so far. */
    public long handOvers() {
        return handOvers.get();
    }

    void handedOver() {
        handOvers.incrementAndGet();
    }

    /** Loop {@code loop}'s listener joins; until it does, connections meant for that loop stay where accepted. */
    void join(int loop, TcpServer listener) {
        if (!listeners.compareAndSet(loop, null, listener)) {
            throw new IllegalStateException("loop " + loop + " has a listener in this placement already");
        }
    }

    TcpServer listener(int loop) {
        return listeners.get(loop);
    }

    /** Picks the loop for a connection that loop {@code accepting} accepted, and counts it there. */
    int place(int accepting) {
        int total = 0;
        int fullest = 0;
        int most = -1;
        int emptiest = accepting;
        int fewest = open.get(accepting);
        for (int i = 0; i < open.length(); i++) {
            int n = open.get(i);
            total += n;
            if (n > most) {
                fullest = i;
                most = n;
            }
            if (n < fewest) {
                emptiest = i;
                fewest = n;
            }
        }
        // Two loops placing at once may both read the old counts: the rule holds to within a connection or two.
        int chosen = total < packBelow ? fullest : emptiest;
        if (listeners.get(chosen) == null) {
            chosen = accepting;
        }
        open.incrementAndGet(chosen);
        return chosen;
    }

    /** A connection placed on {@code loop} closed (or never started). */
    void closed(int loop) {
        open.decrementAndGet(loop);
    }
}
