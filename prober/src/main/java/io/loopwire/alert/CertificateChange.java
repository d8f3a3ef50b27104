package io.loopwire.alert;

import java.time.Instant;
import java.util.Objects;

/**
 * One target's certificate line in an {@link Alert}: what its recipients last heard of the certificate
 * ({@code previous}, {@code null} if nothing yet), how it stands now, when that was seen, the leaf's {@code notAfter}
 * and the words for people.
 *
 * @param target   the target's name
 * @param previous the certificate state previously announced (or the baseline VALID), {@code null} at start
 * @param current  the certificate state announced by this alert
 * @param at       when {@code current} was seen (for a reminder: when the problem began)
 * @param notAfter the leaf certificate's expiry, or {@code null} if no certificate was seen
 * @param reason   why the certificate is invalid ({@code expired: ...}, {@code wrong host name: ...}); empty otherwise
 * @param detail   the sentence after "certificate of TARGET", e.g. {@code expires 2026-12-09T08:00:00Z (in 2 days,
 *                 warning at 14)}; never {@code null}
 */
public record CertificateChange(String target, CertificateState previous, CertificateState current, Instant at,
                                Instant notAfter, String reason, String detail) {

    /** Validates that the required fields are present. */
    public CertificateChange {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(at, "at");
        reason = reason == null ? "" : reason;
        detail = detail == null ? "" : detail;
    }

    /** Whether this line tells of a problem (rather than a renewal). */
    public boolean isProblem() {
        return current.isProblem();
    }

    /** {@code certificate of db expires ...}: the line's words, as subject lines and consoles show them. */
    public String sentence() {
        return "certificate of " + target + (detail.isEmpty() ? " is " + current : " " + detail);
    }
}
