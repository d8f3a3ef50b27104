package io.loopwire.probe;

import java.time.Duration;
import java.util.Objects;

/**
 * Thresholds and counts for {@link Classifier}, validated once here (the README's classification rules).
 *
 * @param slow a reply's RTT under this is {@link LinkState#NORMAL} (default 100 ms)
 * @param verySlow a reply's RTT under this (and at least {@code slow}) is {@link LinkState#SLOW}, at or over it
 *     {@link LinkState#VERY_SLOW} (default 300 ms)
 * @param timeout no reply within this is a loss; a reply after it is late (default 2 s). Must exceed
 *     {@code verySlow}, else {@link LinkState#VERY_SLOW} could never be seen
 * @param downAfter consecutive losses that make the target {@link LinkState#DOWN} (default 3)
 * @param confirm consecutive rounds needed to leave a confirmed state (default 2, at most {@value #MAX_CONFIRM})
 */
public record ClassifierConfig(Duration slow, Duration verySlow, Duration timeout, int downAfter, int confirm) {

    public static final Duration DEFAULT_SLOW = Duration.ofMillis(100);
    public static final Duration DEFAULT_VERY_SLOW = Duration.ofMillis(300);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_DOWN_AFTER = 3;
    public static final int DEFAULT_CONFIRM = 2;
    /** Largest {@code confirm}: the classifier keeps the RTTs of the confirming rounds to quote their median. */
    public static final int MAX_CONFIRM = 1000;

    /** @throws IllegalArgumentException naming the bad value and the limit it breaks */
    public ClassifierConfig {
        Objects.requireNonNull(slow, "slow");
        Objects.requireNonNull(verySlow, "verySlow");
        Objects.requireNonNull(timeout, "timeout");
        if (slow.isNegative() || slow.isZero()) {
            throw new IllegalArgumentException("slow " + text(slow) + " must be greater than 0ms");
        }
        if (verySlow.compareTo(slow) <= 0) {
            throw new IllegalArgumentException("very-slow " + text(verySlow) + " must be greater than slow "
                    + text(slow));
        }
        if (timeout.compareTo(verySlow) <= 0) {
            throw new IllegalArgumentException("timeout " + text(timeout) + " must be greater than very-slow "
                    + text(verySlow));
        }
        if (downAfter < 1) {
            throw new IllegalArgumentException("down-after " + downAfter + " must be at least 1");
        }
        if (confirm < 1 || confirm > MAX_CONFIRM) {
            throw new IllegalArgumentException("confirm " + confirm + " must be in 1.." + MAX_CONFIRM);
        }
    }

    /** {@code 100ms}, {@code 1500us} or {@code 250ns}: the shortest exact form, for messages. */
    static String text(Duration d) {
        final long nanos = d.toNanos();
        if (nanos % 1_000_000 == 0) {
            return nanos / 1_000_000 + "ms";
        }
        return nanos % 1_000 == 0 ? nanos / 1_000 + "us" : nanos + "ns";
    }

    /** 100 ms, 300 ms, 2 s, down after 3, confirm 2. */
    public static ClassifierConfig defaults() {
        return new ClassifierConfig(DEFAULT_SLOW, DEFAULT_VERY_SLOW, DEFAULT_TIMEOUT, DEFAULT_DOWN_AFTER,
                DEFAULT_CONFIRM);
    }

    public ClassifierConfig withSlow(Duration slow) {
        return new ClassifierConfig(slow, verySlow, timeout, downAfter, confirm);
    }

    public ClassifierConfig withVerySlow(Duration verySlow) {
        return new ClassifierConfig(slow, verySlow, timeout, downAfter, confirm);
    }

    public ClassifierConfig withTimeout(Duration timeout) {
        return new ClassifierConfig(slow, verySlow, timeout, downAfter, confirm);
    }

    public ClassifierConfig withDownAfter(int downAfter) {
        return new ClassifierConfig(slow, verySlow, timeout, downAfter, confirm);
    }

    public ClassifierConfig withConfirm(int confirm) {
        return new ClassifierConfig(slow, verySlow, timeout, downAfter, confirm);
    }
}
