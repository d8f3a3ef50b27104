package io.loopwire.alert;

/** How a {@code tls://} target's certificate stands, as its alerts tell it (apart from the link's latency state). */
public enum CertificateState {
    /** Valid, and not expiring within the warning period. */
    VALID,
    /** Valid, but it expires within the warning period. */
    EXPIRING,
    /** Not valid: expired, not yet valid, not trusted, or for another host name. */
    INVALID;

    /** Whether this state is alerted (anything but {@link #VALID}). */
    public boolean isProblem() {
        return this != VALID;
    }
}
