package io.loopwire.cluster;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides whether a received line is new, per origin incarnation (node id plus the random per-start incarnation),
 * with the sliding window of IPsec's anti-replay check:
 * <ul>
 *   <li>The first line heard from an incarnation is new, and every lower sequence counts as seen (those went out
 *       before we subscribed).</li>
 *   <li>A sequence up to {@link #MAX_AHEAD} past the highest seen is new; the skipped ones count as gaps and stay
 *       acceptable for a while: up to {@link #WINDOW} sequences below the highest, each is taken once (a bit per
 *       sequence). Older than that, or seen, is a duplicate.</li>
 *   <li>A sequence further ahead is <em>suspect</em>: dropped, counted, and the origin's state does not move. So a
 *       forged line that claims a huge sequence cannot silence the real node, and one within {@code MAX_AHEAD}
 *       cannot either: the real node's next lines fall in the window's holes and are delivered.</li>
 *   <li>Real jumps further ahead happen only when this node lost lines. When jnats dropped them (we read too
 *       slowly), it counts them ({@link ClusterStats#droppedByNats}): an origin may then jump ahead by as many as were
 *       dropped since it was last heard, plus {@code MAX_AHEAD}. After {@link #resync} (this node reconnected: how
 *       many were lost is unknown) each origin's next line ahead of its highest is believed, however far.</li>
 * </ul>
 *
 * <p>The table is split so that strangers cannot make it forget real nodes. A new incarnation enters a probation
 * LRU of {@link #MAX_PROBATION}, which made-up origins may churn through. Its second accepted line moves it to the
 * trusted table ({@link #MAX_TRUSTED}), which forgets an entry only to make room for another, and only one silent for
 * {@link #TRUSTED_IDLE_NANOS}; while every trusted entry is active, newcomers stay in probation. A node that speaks
 * now and then is never forgotten because someone flooded the subject with made-up origins.
 *
 * @implNote Confined to jnats' dispatcher thread (one thread per dispatcher, messages in order), except
 *     {@link #resync}, which any thread may call.
 */
final class OriginFilter {
    static final int WINDOW = 1024;
    static final long MAX_AHEAD = 512;
    static final int MAX_PROBATION = 4096;
    static final int MAX_TRUSTED = 1024;
    static final long TRUSTED_IDLE_NANOS = TimeUnit.MINUTES.toNanos(10);

    /** Result of {@link #accept}. */
    enum Verdict { NEW, DUPLICATE, SUSPECT }

    private final Map<String, Origin> probation = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Origin> eldest) {
            return size() > MAX_PROBATION;
        }
    };
    private final Map<String, Origin> trusted = new LinkedHashMap<>(64, 0.75f, true);
    private final AtomicInteger epoch = new AtomicInteger();
    private final ClusterStats stats;

    OriginFilter(ClusterStats stats) {
        this.stats = stats;
    }

    /** From now on, each origin's next line ahead of what it sent is believed however far ahead it is. */
    void resync() {
        epoch.incrementAndGet();
    }

    Verdict accept(String node, String incarnation, long seq, long nowNanos) {
        String key = node + '/' + incarnation;
        int now = epoch.get();
        Origin o = trusted.get(key);
        boolean onProbation = false;
        if (o == null) {
            o = probation.get(key);
            if (o == null) {
                probation.put(key, new Origin(seq, now, stats.droppedByNats(), nowNanos));
                return Verdict.NEW;
            }
            onProbation = true;
        }
        Verdict v = o.check(seq, now, stats.droppedByNats(), stats);
        if (v == Verdict.NEW) {
            o.lastHeardNanos = nowNanos;
            if (onProbation) {
                promote(key, o, nowNanos);
            }
        }
        return v;
    }

    /** Origins remembered now (both tables), for tests. */
    int size() {
        return probation.size() + trusted.size();
    }

    private void promote(String key, Origin o, long nowNanos) {
        if (trusted.size() >= MAX_TRUSTED) {
            Iterator<Map.Entry<String, Origin>> eldest = trusted.entrySet().iterator(); // least recently heard
            if (nowNanos - eldest.next().getValue().lastHeardNanos < TRUSTED_IDLE_NANOS) {
                return; // every trusted origin is active: the newcomer waits in probation
            }
            eldest.remove();
        }
        probation.remove(key);
        trusted.put(key, o);
    }

    /** One incarnation's state: the highest sequence accepted and which of the {@link #WINDOW} below it were seen. */
    private static final class Origin {
        private final long[] seen = new long[WINDOW / 64]; // bit (seq % WINDOW)
        private long highest;
        private int epoch;
        /** jnats' dropped count when this origin last had a line accepted. */
        private long natsDroppedBefore;
        long lastHeardNanos;

        Origin(long first, int epoch, long natsDropped, long nowNanos) {
            this.epoch = epoch;
            this.natsDroppedBefore = natsDropped;
            this.lastHeardNanos = nowNanos;
            rebase(first);
        }

        Verdict check(long seq, int currentEpoch, long natsDropped, ClusterStats stats) {
            Verdict v = judge(seq, currentEpoch, natsDropped, stats);
            if (v == Verdict.NEW) {
                natsDroppedBefore = natsDropped;
            }
            return v;
        }

        private Verdict judge(long seq, int currentEpoch, long natsDropped, ClusterStats stats) {
            boolean resynced = epoch != currentEpoch;
            epoch = currentEpoch;
            if (seq > highest) {
                long ahead = seq - highest; // both positive: cannot overflow
                if (ahead > MAX_AHEAD) {
                    long lostHere = Math.max(0, natsDropped - natsDroppedBefore);
                    if (!resynced && ahead - MAX_AHEAD > lostHere) {
                        stats.suspect.incrementAndGet();
                        return Verdict.SUSPECT;
                    }
                    stats.gaps.addAndGet(ahead - 1);
                    rebase(seq);
                    return Verdict.NEW;
                }
                stats.gaps.addAndGet(ahead - 1);
                for (long s = highest + 1; s < seq; s++) {
                    clear(s);
                }
                set(seq);
                highest = seq;
                return Verdict.NEW;
            }
            if (highest - seq >= WINDOW || isSet(seq)) {
                stats.duplicates.incrementAndGet();
                return Verdict.DUPLICATE;
            }
            set(seq); // a hole filled: late, but not seen before
            stats.gaps.decrementAndGet();
            return Verdict.NEW;
        }

        /** Everything at or below {@code seq} counts as seen. */
        private void rebase(long seq) {
            Arrays.fill(seen, -1L);
            highest = seq;
        }

        private boolean isSet(long seq) {
            int bit = (int) (seq % WINDOW);
            return (seen[bit >>> 6] & (1L << bit)) != 0;
        }

        private void set(long seq) {
            int bit = (int) (seq % WINDOW);
            seen[bit >>> 6] |= 1L << bit;
        }

        private void clear(long seq) {
            int bit = (int) (seq % WINDOW);
            seen[bit >>> 6] &= ~(1L << bit);
        }
    }
}
