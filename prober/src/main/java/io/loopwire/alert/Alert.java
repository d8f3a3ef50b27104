package io.loopwire.alert;

import io.loopwire.probe.LinkState;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One notification: a kind, the targets it is about, and when it was made. Immutable; safe to hand to another thread.
 * Renders itself as a subject line, a plain-text body and an HTML body, with every timestamp in ISO-8601 with its
 * offset ({@code 2024-05-01T12:00:01+02:00}) in {@link #zone()}.
 *
 * <p>An alert tells of link states ({@link #changes()}) or of certificates ({@link #certificates()}), never both: the
 * policies send them apart, as two kinds of alert.
 *
 * @param kind         why the alert was sent
 * @param changes      the targets whose link state it tells of, in the order they changed (empty for a certificate
 *                     alert)
 * @param certificates the targets whose certificate it tells of (empty for a link-state alert)
 * @param created      when the alert was made
 * @param zone         the zone in which timestamps are rendered
 */
public record Alert(AlertKind kind, List<TargetChange> changes, List<CertificateChange> certificates, Instant created,
                    ZoneId zone) {

    /** Subject lines name at most this many targets, then "+N more". */
    static final int MAX_TARGETS_IN_SUBJECT = 3;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx", Locale.ROOT);

    /** Validates and copies the lists. */
    public Alert {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(zone, "zone");
        changes = List.copyOf(changes);
        certificates = List.copyOf(certificates);
        if (changes.isEmpty() == certificates.isEmpty()) {
            throw new IllegalArgumentException(changes.isEmpty() ? "an alert needs at least one target change"
                    : "an alert tells of link states or of certificates, not both");
        }
    }

    /** A link-state alert. */
    public Alert(AlertKind kind, List<TargetChange> changes, Instant created, ZoneId zone) {
        this(kind, changes, List.of(), created, zone);
    }

    /** A link-state alert rendered in the system's default zone. */
    public Alert(AlertKind kind, List<TargetChange> changes, Instant created) {
        this(kind, changes, created, ZoneId.systemDefault());
    }

    /** A certificate alert about one target. */
    public static Alert certificate(AlertKind kind, CertificateChange change, Instant created, ZoneId zone) {
        return new Alert(kind, List.of(), List.of(change), created, zone);
    }

    /** Whether this alert tells of certificates (rather than link states). */
    public boolean isCertificate() {
        return !certificates.isEmpty();
    }

    /** Whether any target in this alert is in a problem state (or flapping): log it as a warning. */
    public boolean isProblem() {
        if (kind == AlertKind.FLAPPING) {
            return true;
        }
        if (kind == AlertKind.REMOVED) {
            return false; // the end of an alert, like a recovery
        }
        for (TargetChange c : changes) {
            if (c.isProblem()) {
                return true;
            }
        }
        for (CertificateChange c : certificates) {
            if (c.isProblem()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The subject, naming the target and its new state: {@code [loopwire] 127.0.0.1:12345 is DOWN}, or for several
     * targets {@code [loopwire] 3 targets changed: a DOWN, b SLOW, c NORMAL}.
     */
    public String subject() {
        StringBuilder sb = new StringBuilder("[loopwire] ");
        if (isCertificate()) {
            // One target per certificate alert: "certificate of db expires ... (in 2 days, warning at 14)".
            CertificateChange c = certificates.get(0);
            sb.append(c.sentence());
            switch (kind) {
                case REMINDER -> sb.append(" (still)");
                case FLAPPING -> sb.append(" (FLAPPING)");
                default -> { }
            }
            if (certificates.size() > 1) {
                sb.append(", +").append(certificates.size() - 1).append(" more");
            }
            return sb.toString();
        }
        if (changes.size() == 1) {
            TargetChange c = changes.get(0);
            sb.append(c.target());
            switch (kind) {
                case RECOVERY -> sb.append(" is ").append(c.current()).append(" again");
                case REMINDER -> sb.append(" is still ").append(c.current());
                case INITIAL -> sb.append(" is ").append(c.current()).append(" at start");
                case FLAPPING -> sb.append(" is FLAPPING (now ").append(c.current()).append(')');
                case REMOVED -> sb.append(" is no longer probed (was ").append(c.current()).append(')');
                default -> sb.append(" is ").append(c.current());
            }
            return sb.toString();
        }
        sb.append(changes.size()).append(" targets ").append(switch (kind) {
            case RECOVERY -> "recovered";
            case REMINDER -> "still bad";
            case INITIAL -> "bad at start";
            case FLAPPING -> "flapping";
            case REMOVED -> "no longer probed";
            default -> "changed";
        }).append(": ");
        int shown = Math.min(MAX_TARGETS_IN_SUBJECT, changes.size());
        for (int i = 0; i < shown; i++) {
            TargetChange c = changes.get(i);
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(c.target()).append(' ').append(c.current());
        }
        if (changes.size() > shown) {
            sb.append(", +").append(changes.size() - shown).append(" more");
        }
        return sb.toString();
    }

    /** A plain-text body: a header line, then one line per target. */
    public String textBody() {
        StringBuilder sb = new StringBuilder(256);
        sb.append(subject()).append("\n\n");
        if (isCertificate()) {
            sb.append("alert: ").append(kind).append(" (certificate), at ").append(format(created)).append("\n\n");
            for (CertificateChange c : certificates) {
                sb.append(certificateLine(c)).append('\n');
            }
            sb.append("\n-- \nloopwire latency monitor\n");
            return sb.toString();
        }
        sb.append("alert: ").append(kind).append(", ").append(changes.size())
                .append(changes.size() == 1 ? " target" : " targets").append(", at ").append(format(created))
                .append("\n\n");
        for (TargetChange c : changes) {
            sb.append(c.target()).append("  ").append(stateName(c.previous())).append(" -> ").append(c.current())
                    .append("  since ").append(format(c.at())).append("  last rtt ").append(rtt(c.lastRttNanos()));
            if (!c.detail().isEmpty()) {
                sb.append("  (").append(c.detail()).append(')');
            }
            sb.append('\n');
        }
        sb.append("\n-- \nloopwire latency monitor\n");
        return sb.toString();
    }

    /** An HTML body with the same content as {@link #textBody()}, every value escaped. */
    public String htmlBody() {
        StringBuilder sb = new StringBuilder(512);
        sb.append("<!DOCTYPE html>\n<html><body>\n<h3>").append(escape(subject())).append("</h3>\n<p>alert: ")
                .append(kind).append(", ").append(changes.size() + certificates.size())
                .append(changes.size() + certificates.size() == 1 ? " target" : " targets")
                .append(", at ").append(escape(format(created))).append("</p>\n");
        if (isCertificate()) {
            sb.append("<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\n")
                    .append("<tr><th>target</th><th>certificate was</th><th>now</th><th>seen</th><th>expires</th>"
                            + "<th>reason</th></tr>\n");
            for (CertificateChange c : certificates) {
                sb.append("<tr><td>").append(escape(c.target())).append("</td><td>")
                        .append(c.previous() == null ? "(start)" : c.previous().name()).append("</td><td><b>")
                        .append(c.current()).append("</b></td><td>").append(escape(format(c.at())))
                        .append("</td><td>").append(escape(c.notAfter() == null ? "-" : format(c.notAfter())))
                        .append("</td><td>").append(escape(c.reason())).append("</td></tr>\n");
            }
            sb.append("</table>\n<p>-- loopwire latency monitor</p>\n</body></html>\n");
            return sb.toString();
        }
        sb.append("<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\n")
                .append("<tr><th>target</th><th>was</th><th>now</th><th>since</th><th>last rtt</th><th>detail</th>"
                        + "</tr>\n");
        for (TargetChange c : changes) {
            sb.append("<tr><td>").append(escape(c.target())).append("</td><td>").append(stateName(c.previous()))
                    .append("</td><td><b>").append(c.current()).append("</b></td><td>").append(escape(format(c.at())))
                    .append("</td><td>").append(escape(rtt(c.lastRttNanos()))).append("</td><td>")
                    .append(escape(c.detail())).append("</td></tr>\n");
        }
        sb.append("</table>\n<p>-- loopwire latency monitor</p>\n</body></html>\n");
        return sb.toString();
    }

    /** {@code db  certificate EXPIRING -> INVALID  seen ...  expires ...  (expired: ...)}: one certificate line. */
    public String certificateLine(CertificateChange c) {
        StringBuilder sb = new StringBuilder(128).append(c.target()).append("  certificate ")
                .append(c.previous() == null ? "(start)" : c.previous().name()).append(" -> ").append(c.current())
                .append("  seen ").append(format(c.at())).append("  expires ")
                .append(c.notAfter() == null ? "-" : format(c.notAfter()));
        if (!c.reason().isEmpty()) {
            sb.append("  (").append(c.reason()).append(')');
        }
        return sb.toString();
    }

    /** A timestamp in ISO-8601 with its offset, in this alert's zone, to the second. */
    public String format(Instant instant) {
        return TIME.format(instant.atZone(zone));
    }

    /** Renders nanoseconds as milliseconds with one decimal ({@code 153.2 ms}), or {@code -} when unknown. */
    static String rtt(long nanos) {
        if (nanos < 0) {
            return "-";
        }
        long tenthsOfMs = (nanos + 50_000) / 100_000;
        return (tenthsOfMs / 10) + "." + (tenthsOfMs % 10) + " ms";
    }

    private static String stateName(LinkState s) {
        return s == null ? "(start)" : s.name();
    }

    /** Escapes the five characters that matter in HTML text and attribute values. */
    static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            String rep = switch (ch) {
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '&' -> "&amp;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> null;
            };
            if (rep != null) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                sb.append(rep);
            } else if (sb != null) {
                sb.append(ch);
            }
        }
        return sb == null ? s : sb.toString();
    }
}
