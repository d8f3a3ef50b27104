package io.loopwire.alert;

import io.loopwire.probe.LinkState;
import java.time.Instant;
import java.util.Objects;

/**
 * One target's line in an {@link Alert}: what its recipients last heard ({@code previous}, {@code null} if nothing yet),
 * what it is now ({@code current}), when that was confirmed, the last RTT and a short human-readable detail.
 *
 * @param target       the target's name, e.g. {@code 127.0.0.1:12345}
 * @param previous     the state previously announced (or the baseline NORMAL), {@code null} at start
 * @param current      the state announced by this alert
 * @param at           when {@code current} was confirmed (for a reminder: when it began)
 * @param lastRttNanos the last measured round-trip time in nanoseconds, or {@code -1} if none
 * @param detail       a short explanation, e.g. {@code "no reply"}, never {@code null}
 */
public record TargetChange(String target, LinkState previous, LinkState current, Instant at, long lastRttNanos,
                           String detail) {

    /** Validates that the required fields are present. */
    public TargetChange {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(at, "at");
        detail = detail == null ? "" : detail;
        if (lastRttNanos < -1) {
            throw new IllegalArgumentException("lastRttNanos must be >= -1: " + lastRttNanos);
        }
    }

    /** Whether this line tells of a problem (rather than a recovery). */
    public boolean isProblem() {
        return current.isProblem();
    }
}
