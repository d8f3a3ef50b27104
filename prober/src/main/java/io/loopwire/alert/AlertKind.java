package io.loopwire.alert;

/** Why an {@link Alert} was sent. */
public enum AlertKind {
    /** One or more targets moved to a problem state (or between problem states). */
    CHANGE,
    /** Targets whose alerted problem is over: they are NORMAL again. */
    RECOVERY,
    /** Targets still in the problem state that was alerted, sent every {@code repeat}. */
    REMINDER,
    /** Targets found in a problem state by their first classification (bad at start). */
    INITIAL,
    /** A target changes state too often; its further alerts are held until it settles. */
    FLAPPING,
    /**
     * Targets taken out of the probed set (a targets file re-read) while a problem of theirs was alerted: their alerts
     * end, though nobody saw them recover, and no reminder follows. Also for such a target's certificate alert.
     */
    REMOVED,
    /**
     * A {@code tls://} target's certificate became invalid, entered the warning period, or is fine again (renewed):
     * a kind of its own, apart from the link's latency state ({@link Alert#certificates()}).
     */
    CERTIFICATE
}
