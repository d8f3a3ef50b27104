package io.loopwire.tcp;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
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
 * <p>{@code packBelow} 0 spreads every connection by count alone. The counts are of every listener in this placement,
 * whatever its port: give a room's plaintext and TLS listeners the same placement and both kinds of member count. A
 * connection is handed only to a listener on its own port.
 *
 * @implNote Thread-safe: the counts are atomic, read and written by every loop of the group.
 */
public final class Placement {
    private final int packBelow;
    private final AtomicIntegerArray open;
    /** By port: the listeners of one port, one per loop (a plaintext and a TLS port of one room share the counts). */
    private final ConcurrentMap<Integer, AtomicReferenceArray<TcpServer>> listeners = new ConcurrentHashMap<>();
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

    /**
     * Loop {@code loop}'s listener on {@code port} joins; until it does, connections for that loop on that port stay
     * where they were accepted.
     */
    void join(int loop, int port, TcpServer listener) {
        AtomicReferenceArray<TcpServer> onPort =
                listeners.computeIfAbsent(port, p -> new AtomicReferenceArray<>(open.length()));
        if (!onPort.compareAndSet(loop, null, listener)) {
            throw new IllegalStateException("loop " + loop + " has a listener on port " + port + " already");
        }
    }

    TcpServer listener(int loop, int port) {
        AtomicReferenceArray<TcpServer> onPort = listeners.get(port);
        return onPort == null ? null : onPort.get(loop);
    }

    /** Picks the loop for a connection that loop {@code accepting} accepted on {@code port}, and counts it there. */
    int place(int accepting, int port) {
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
        if (listener(chosen, port) == null) {
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
