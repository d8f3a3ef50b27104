package io.loopwire.examples.web;

import java.time.Duration;
import java.util.Arrays;

/**
 * Cuts a target's rounds into time buckets the way SmokePing draws them: per bucket the RTT spread (min, p10, p25,
 * median, p75, p90, max, in ms, nearest rank) and the loss in percent of the bucket's rounds. A bucket with only
 * losses has no RTT figures (NaN) and 100 % loss; a bucket without rounds is left out.
 */
final class SmokeBuckets {
    /** Buckets a full history is cut into (at least {@link #ROUNDS_PER_BUCKET} rounds each). */
    static final int BUCKETS = 120;
    /** Rounds a bucket should hold so that its spread means something (SmokePing uses 20 pings per step). */
    static final int ROUNDS_PER_BUCKET = 5;

    final long bucketMillis;
    final long[] startSeconds;
    final double[][] rtt; // [bucket][min, p10, p25, p50, p75, p90, max]
    final double[] lossPercent;
    final int size;

    private SmokeBuckets(long bucketMillis, long[] start, double[][] rtt, double[] loss, int size) {
        this.bucketMillis = bucketMillis;
        this.startSeconds = start;
        this.rtt = rtt;
        this.lossPercent = loss;
        this.size = size;
    }

    /** Bucket width for a history and probe interval: history/120, but at least 5 intervals and 1 s. */
    static long bucketMillis(Duration history, Duration interval) {
        long width = Math.max(history.toMillis() / BUCKETS, interval.toMillis() * ROUNDS_PER_BUCKET);
        return Math.max(1000, width);
    }

    /** Buckets of the rounds ({@code atMillis} ascending) newer than {@code nowMillis - history}. */
    static SmokeBuckets of(ProbeHistory.Rounds rounds, long bucketMillis, long nowMillis, Duration history) {
        long[] at = rounds.atMillis();
        int[] micros = rounds.rttMicros();
        long from = nowMillis - history.toMillis();
        int n = at.length;
        long[] start = new long[Math.min(n, BUCKETS * 4 + 2)];
        double[][] spread = new double[start.length][];
        double[] loss = new double[start.length];
        int size = 0;
        long[] samples = new long[n];
        int i = 0;
        while (i < n && at[i] < from) {
            i++;
        }
        while (i < n && size < start.length) {
            long bucket = Math.floorDiv(at[i], bucketMillis);
            int replies = 0;
            int rounds0 = 0;
            while (i < n && Math.floorDiv(at[i], bucketMillis) == bucket) {
                rounds0++;
                if (micros[i] != ProbeHistory.LOSS) {
                    samples[replies++] = micros[i];
                }
                i++;
            }
            start[size] = bucket * bucketMillis / 1000;
            loss[size] = 100.0 * (rounds0 - replies) / rounds0;
            double[] figures = new double[7];
            if (replies == 0) {
                Arrays.fill(figures, Double.NaN);
            } else {
                Arrays.sort(samples, 0, replies);
                int[] percents = {0, 10, 25, 50, 75, 90, 100};
                for (int k = 0; k < percents.length; k++) {
                    int rank = percents[k] == 0 ? 1 : (int) Math.max(1, (percents[k] * (long) replies + 99) / 100);
                    figures[k] = samples[rank - 1] / 1000.0;
                }
            }
            spread[size] = figures;
            size++;
        }
        return new SmokeBuckets(bucketMillis, start, spread, loss, size);
    }
}
