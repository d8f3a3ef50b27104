package io.loopwire.probe;

import java.util.Arrays;
import java.util.Locale;

/**
 * One target's probe statistics, over its lifetime and over a rolling window of the last {@code windowRounds}
 * rounds (the README's classification rules): sent, received, lost, loss %, late, duplicates, last, min, avg,
 * max, stddev, jitter, p50/p90/p99 and the longest outage.
 *
 * <h2>What the prober reports</h2>
 * A <em>round</em> is one probe that ended as a reply ({@link #recordReply}) or a loss ({@link #recordLoss}).
 * {@link #recordSent} counts probes when they leave (some may still be in flight). A reply arriving after the
 * timeout is {@link #recordLate late}: its round was already a loss and stays one. A second reply to the same probe
 * is a {@link #recordDuplicate duplicate}. Neither is an RTT sample. All times are {@link System#nanoTime()} nanos.
 *
 * <h2>Definitions</h2>
 * <ul>
 *   <li>loss % = lost / (received + lost): probes still in flight are not counted as lost.</li>
 *   <li>avg and stddev: Welford's running mean and the <em>population</em> standard deviation of the RTTs.</li>
 *   <li>jitter: mean of |RTT<sub>i</sub> - RTT<sub>i-1</sub>| over consecutive replies (losses between two replies
 *       are skipped), as mtr's "Javg".</li>
 *   <li>percentiles: nearest rank, the smallest sample with at least p % of samples at or below it. Window
 *       percentiles are exact (the window's samples are sorted on demand). Lifetime percentiles come from a fixed
 *       log-linear histogram: exact below 128 ns, then 64 linear buckets per power of two, reported at the bucket's
 *       midpoint, so within 0.8 % of the true sample (and clamped to [min, max]); RTTs over 60 s fall in the last
 *       bucket.</li>
 *   <li>longest outage: the most consecutive losses ({@code longestOutageRounds}) and the longest time from the
 *       send time of the first lost probe of a run to the arrival of the reply that ended it
 *       ({@code longestOutageNanos}). A run still going counts up to the snapshot's time. The two maxima may come
 *       from different runs.</li>
 *   <li>window: the last {@code windowRounds} rounds. Its "sent" is the number of rounds in it; its late and
 *       duplicate counts are those that arrived while its rounds were the latest.</li>
 * </ul>
 *
 * @implNote Not thread-safe: used only by the prober's reactor thread, {@link #snapshot} included (hand the
 *     immutable {@link Snapshot} to other threads). The {@code record*} methods allocate nothing; all arrays
 *     (about 8 KiB for the histogram plus 20 bytes per window round) are allocated in the constructor.
 *     {@link #snapshot} allocates its result and may allocate while sorting.
 */
public final class ProbeStats {

    /** Default rolling window: the last 100 rounds. */
    public static final int DEFAULT_WINDOW_ROUNDS = 100;
    /** RTTs at or over this fall in the histogram's last bucket (their min/max/avg stay exact). */
    public static final long HISTOGRAM_MAX_NANOS = 60_000_000_000L;

    private static final int SUB_BUCKET_BITS = 6;
    private static final int EXACT_BELOW = 2 << SUB_BUCKET_BITS; // 128: every value below has its own bucket
    private static final long LOSS = -1;
    private static final long NONE = -1;

    // Lifetime.
    private long sent;
    private long received;
    private long lost;
    private long late;
    private long duplicates;
    private long lastNanos = NONE;
    private long minNanos = Long.MAX_VALUE;
    private long maxNanos = Long.MIN_VALUE;
    private double mean;
    private double m2;
    private long jitterSumNanos;
    private long jitterCount;
    /** Counts per bucket; int, saturating (2^31 samples is 68 years at one probe a second), to halve the memory. */
    private final int[] histogram = new int[bucketIndex(HISTOGRAM_MAX_NANOS) + 1];

    // Outages.
    private long outageRounds;
    private long outageStartNanos;
    private long longestOutageRounds;
    private long longestOutageNanos;

    // Window: ring of the last rounds, oldest at (head - count).
    private final int windowRounds;
    private final long[] windowRtt; // RTT nanos, or LOSS
    private final long[] windowAt; // reply arrival, or the lost probe's send time
    private final int[] windowLate;
    private final int[] windowDuplicates;
    private final long[] scratch;
    private int head;
    private int count;

    public ProbeStats() {
        this(DEFAULT_WINDOW_ROUNDS);
    }

    /** @throws IllegalArgumentException if {@code windowRounds} is not between 1 and 1,000,000 */
    public ProbeStats(int windowRounds) {
        if (windowRounds < 1 || windowRounds > 1_000_000) {
            throw new IllegalArgumentException("window " + windowRounds + " rounds outside 1..1000000");
        }
        this.windowRounds = windowRounds;
        this.windowRtt = new long[windowRounds];
        this.windowAt = new long[windowRounds];
        this.windowLate = new int[windowRounds];
        this.windowDuplicates = new int[windowRounds];
        this.scratch = new long[windowRounds];
    }

    /** A probe left. */
    public void recordSent() {
        sent++;
    }

    /**
     * A fresh reply: one round ended with this RTT.
     *
     * @param rttNanos the round-trip time; a negative value (clock misuse) is taken as 0
     * @param receivedAtNanos when the reply arrived; ends a running outage
     */
    public void recordReply(long rttNanos, long receivedAtNanos) {
        final long rtt = Math.max(0, rttNanos);
        received++;
        if (lastNanos != NONE) {
            jitterSumNanos += Math.abs(rtt - lastNanos);
            jitterCount++;
        }
        lastNanos = rtt;
        minNanos = Math.min(minNanos, rtt);
        maxNanos = Math.max(maxNanos, rtt);
        final double delta = rtt - mean;
        mean += delta / received;
        m2 += delta * (rtt - mean);
        int bucket = bucketIndex(Math.min(rtt, HISTOGRAM_MAX_NANOS));
        if (histogram[bucket] != Integer.MAX_VALUE) {
            histogram[bucket]++;
        }
        if (outageRounds > 0) {
            longestOutageNanos = Math.max(longestOutageNanos, receivedAtNanos - outageStartNanos);
            outageRounds = 0;
        }
        push(rtt, receivedAtNanos);
    }

    /**
     * One round ended without a reply within the timeout.
     *
     * @param sentAtNanos when the lost probe was sent; starts an outage if none is running
     */
    public void recordLoss(long sentAtNanos) {
        lost++;
        if (outageRounds++ == 0) {
            outageStartNanos = sentAtNanos;
        }
        longestOutageRounds = Math.max(longestOutageRounds, outageRounds);
        push(LOSS, sentAtNanos);
    }

    /** A reply came after its probe was already counted lost. Not an RTT sample. */
    public void recordLate() {
        late++;
        if (count > 0) {
            windowLate[latestSlot()]++;
        }
    }

    /** A second reply to a probe already answered. Not an RTT sample. */
    public void recordDuplicate() {
        duplicates++;
        if (count > 0) {
            windowDuplicates[latestSlot()]++;
        }
    }

    public long sent() {
        return sent;
    }

    public long received() {
        return received;
    }

    public long lost() {
        return lost;
    }

    /** Replies that came after their probe was counted lost. */
    public long late() {
        return late;
    }

    /** Second replies to probes already answered. */
    public long duplicates() {
        return duplicates;
    }

    /** The last reply's RTT in nanos, or -1 before the first reply. */
    public long lastRttNanos() {
        return lastNanos;
    }

    /** Losses since the last reply. */
    public long currentOutageRounds() {
        return outageRounds;
    }

    public int windowRounds() {
        return windowRounds;
    }

    /** The figures now, by {@link System#nanoTime()} (for a running outage). */
    public Snapshot snapshot() {
        return snapshot(System.nanoTime());
    }

    /** The figures at {@code nowNanos}, which only matters for an outage still running. */
    public Snapshot snapshot(long nowNanos) {
        return new Snapshot(lifetime(nowNanos), window(nowNanos), windowRounds);
    }

    private Figures lifetime(long nowNanos) {
        long longestNanos = longestOutageNanos;
        if (outageRounds > 0) {
            longestNanos = Math.max(longestNanos, nowNanos - outageStartNanos);
        }
        final boolean any = received > 0;
        return new Figures(sent, received, lost, late, duplicates,
                lastNanos,
                any ? minNanos : NONE,
                any ? maxNanos : NONE,
                any ? mean : Double.NaN,
                any ? Math.sqrt(m2 / received) : Double.NaN,
                jitterCount > 0 ? (double) jitterSumNanos / jitterCount : Double.NaN,
                histogramPercentile(50), histogramPercentile(90), histogramPercentile(99),
                longestOutageRounds, longestNanos);
    }

    private Figures window(long nowNanos) {
        long replies = 0;
        long losses = 0;
        long lateCount = 0;
        long duplicateCount = 0;
        long last = NONE;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        double sum = 0;
        long jitterSum = 0;
        long jitters = 0;
        long run = 0;
        long runStart = 0;
        long longestRun = 0;
        long longestRunNanos = 0;
        for (int i = 0; i < count; i++) {
            final int slot = slot(i);
            lateCount += windowLate[slot];
            duplicateCount += windowDuplicates[slot];
            final long rtt = windowRtt[slot];
            if (rtt == LOSS) {
                losses++;
                if (run++ == 0) {
                    runStart = windowAt[slot];
                }
                longestRun = Math.max(longestRun, run);
                continue;
            }
            if (run > 0) {
                longestRunNanos = Math.max(longestRunNanos, windowAt[slot] - runStart);
                run = 0;
            }
            if (last != NONE) {
                jitterSum += Math.abs(rtt - last);
                jitters++;
            }
            last = rtt;
            min = Math.min(min, rtt);
            max = Math.max(max, rtt);
            sum += rtt;
            scratch[(int) replies++] = rtt;
        }
        if (run > 0) {
            longestRunNanos = Math.max(longestRunNanos, nowNanos - runStart);
        }
        if (replies == 0) {
            return new Figures(count, 0, losses, lateCount, duplicateCount, NONE, NONE, NONE, Double.NaN,
                    Double.NaN, Double.NaN, NONE, NONE, NONE, longestRun, longestRunNanos);
        }
        final double avg = sum / replies;
        double squares = 0;
        for (int i = 0; i < replies; i++) {
            final double d = scratch[i] - avg;
            squares += d * d;
        }
        final int n = (int) replies;
        Arrays.sort(scratch, 0, n);
        return new Figures(count, replies, losses, lateCount, duplicateCount, last, min, max, avg,
                Math.sqrt(squares / n), jitters > 0 ? (double) jitterSum / jitters : Double.NaN,
                scratch[(int) rank(50, n) - 1], scratch[(int) rank(90, n) - 1], scratch[(int) rank(99, n) - 1],
                longestRun, longestRunNanos);
    }

    private long histogramPercentile(int percent) {
        if (received == 0) {
            return NONE;
        }
        final long rank = rank(percent, received);
        long seen = 0;
        for (int i = 0; i < histogram.length; i++) {
            seen += histogram[i];
            if (seen >= rank) {
                return Math.max(minNanos, Math.min(maxNanos, bucketMidpoint(i)));
            }
        }
        return maxNanos; // unreachable: the counts add up to received
    }

    /** Nearest rank, 1-based: the smallest r with r / n >= percent / 100. */
    static long rank(int percent, long n) {
        return Math.max(1, (percent * n + 99) / 100);
    }

    /** Log-linear bucket of a non-negative value: exact below 128, then 64 buckets per power of two. */
    static int bucketIndex(long value) {
        if (value < EXACT_BELOW) {
            return (int) value;
        }
        final int shift = (63 - Long.numberOfLeadingZeros(value)) - SUB_BUCKET_BITS;
        return (shift << SUB_BUCKET_BITS) + (int) (value >>> shift);
    }

    /** The value reported for a bucket: itself in the exact range, else the middle of the bucket's range. */
    static long bucketMidpoint(int index) {
        if (index < EXACT_BELOW) {
            return index;
        }
        final int shift = (index >>> SUB_BUCKET_BITS) - 1;
        final long low = (long) (index - (shift << SUB_BUCKET_BITS)) << shift;
        return low + ((1L << shift) >>> 1);
    }

    private void push(long rtt, long atNanos) {
        windowRtt[head] = rtt;
        windowAt[head] = atNanos;
        windowLate[head] = 0;
        windowDuplicates[head] = 0;
        head = head + 1 == windowRounds ? 0 : head + 1;
        if (count < windowRounds) {
            count++;
        }
    }

    private int latestSlot() {
        return head == 0 ? windowRounds - 1 : head - 1;
    }

    /** Slot of the i-th oldest round in the window. */
    private int slot(int i) {
        final int s = head - count + i;
        return s < 0 ? s + windowRounds : s;
    }

    /** Every figure, lifetime and window, frozen at one moment. Safe to hand to any thread. */
    public record Snapshot(Figures lifetime, Figures window, int windowRounds) {

        @Override
        public String toString() {
            return "lifetime " + lifetime + "; last " + windowRounds + " rounds " + window;
        }
    }

    /**
     * One set of figures. Times are nanos; a figure that needs replies is {@code -1} (longs) or {@code NaN}
     * (doubles) when there were none.
     */
    public record Figures(long sent, long received, long lost, long late, long duplicates,
                          long lastNanos, long minNanos, long maxNanos,
                          double avgNanos, double stddevNanos, double jitterNanos,
                          long p50Nanos, long p90Nanos, long p99Nanos,
                          long longestOutageRounds, long longestOutageNanos) {

        private static final String ROW = "%-21s %6s %6s %6s %5s %5s %9s %9s %9s %9s %9s %9s %9s %9s %9s %6s %10s";

        /** Lost as a percentage of finished rounds (received + lost), {@code NaN} before the first. */
        public double lossPercent() {
            final long rounds = received + lost;
            return rounds == 0 ? Double.NaN : 100.0 * lost / rounds;
        }

        /** The header matching {@link #row}. */
        public static String header() {
            return String.format(Locale.ROOT, ROW, "target", "sent", "recv", "loss%", "late", "dup", "last ms",
                    "min ms", "avg ms", "max ms", "stddev", "jitter", "p50 ms", "p90 ms", "p99 ms", "outage",
                    "outage ms");
        }

        /** One table row: times in ms with 2 decimals, "-" where there is no figure. */
        public String row(String target) {
            return String.format(Locale.ROOT, ROW, target, sent, received, percent(lossPercent()), late, duplicates,
                    ms(lastNanos), ms(minNanos), ms(avgNanos), ms(maxNanos), ms(stddevNanos), ms(jitterNanos),
                    ms(p50Nanos), ms(p90Nanos), ms(p99Nanos), longestOutageRounds,
                    longestOutageRounds == 0 ? "-" : ms(longestOutageNanos));
        }

        @Override
        public String toString() {
            return "sent=" + sent + " recv=" + received + " lost=" + lost + " loss=" + percent(lossPercent())
                    + "% late=" + late + " dup=" + duplicates + " last=" + ms(lastNanos) + " min=" + ms(minNanos)
                    + " avg=" + ms(avgNanos) + " max=" + ms(maxNanos) + " stddev=" + ms(stddevNanos) + " jitter="
                    + ms(jitterNanos) + " p50=" + ms(p50Nanos) + " p90=" + ms(p90Nanos) + " p99=" + ms(p99Nanos)
                    + " outage=" + longestOutageRounds + "/" + ms(longestOutageNanos) + " (ms)";
        }

        private static String ms(double nanos) {
            return nanos < 0 || Double.isNaN(nanos) ? "-" : String.format(Locale.ROOT, "%.2f", nanos / 1e6);
        }

        private static String percent(double value) {
            return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
        }
    }
}
