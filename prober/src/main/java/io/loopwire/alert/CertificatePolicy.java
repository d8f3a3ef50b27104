package io.loopwire.alert;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when a {@code tls://} target's certificate becomes an alert, apart from its link state: one
 * {@link AlertKind#CERTIFICATE} alert when the certificate becomes invalid or enters the warning period (with the
 * reason and its {@code notAfter}), one when a valid certificate outside the period is seen again (a renewal), and
 * nothing in between, however many probes see it.
 *
 * <p><b>Not thread-safe.</b> Reactor (loop) thread only, like {@link AlertPolicy} (checked by an assert). It never
 * sleeps or reads a clock: {@code now} is passed in.
 *
 * <p>Rules, those of link states where they apply:
 * <ul>
 *   <li>A certificate is {@link CertificateState#INVALID} when the handshake found a problem,
 *       {@link CertificateState#EXPIRING} when it expires within {@code warn}, else {@link CertificateState#VALID}.
 *       {@link #tick} judges the known certificates again, so a valid one that comes within the period is alerted
 *       without a new handshake.</li>
 *   <li>A first certificate that is VALID is silent; any other change of state is alerted at once, one alert per
 *       target and change (no group wait: certificate changes are rare and each deserves its own mail).</li>
 *   <li>Reminder ({@link AlertKind#REMINDER}) every {@code repeat} while a certificate stays in its alerted problem
 *       state.</li>
 *   <li>Flapping (e.g. a load balancer whose servers show an old and a new certificate in turn): {@code flapThreshold}
 *       changes within {@code flapWindow} give one {@link AlertKind#FLAPPING} alert, then the target's certificate
 *       alerts are held until it has kept one state for {@code flapSettle}.</li>
 * </ul>
 */
public final class CertificatePolicy {
    private static final Logger log = LoggerFactory.getLogger(CertificatePolicy.class);
    private static final long DAY_MILLIS = 86_400_000L;

    /** What the policy knows of one target's certificate. */
    private static final class Target {
        final String name;
        long notAfterMillis = -1;
        String problem;
        /** The state judged last; null before the first certificate. */
        CertificateState effective;
        Instant effectiveSince;
        /** What the recipients last heard (VALID implied by a silent first judgement); null before. */
        CertificateState reported;
        Instant notifiedAt;
        boolean flapping;
        Instant lastChangeAt;
        final ChangeWindow recentChanges = new ChangeWindow();

        Target(String name) {
            this.name = name;
        }

        /** The leaf's expiry, or null if no certificate was seen. */
        Instant notAfter() {
            return notAfterMillis < 0 ? null : Instant.ofEpochMilli(notAfterMillis);
        }
    }

    private final AlertPolicy.Config config;
    private final Duration warn;
    private final AlertSink sink;
    private final Map<String, Target> targets = new HashMap<>();
    private Thread owner;
    private long alertsSent;

    /**
     * A policy that alerts certificates expiring within {@code warn}, with the reminder period, flapping limits and
     * zone of {@code config}, handing its alerts to {@code sink}.
     */
    public CertificatePolicy(AlertPolicy.Config config, Duration warn, AlertSink sink) {
        this.config = Objects.requireNonNull(config, "config");
        this.warn = Objects.requireNonNull(warn, "warn");
        this.sink = Objects.requireNonNull(sink, "sink");
        if (warn.isNegative()) {
            throw new IllegalArgumentException("warn must not be negative: " + warn);
        }
    }

    /**
     * Tells of what a handshake with {@code target} showed: its leaf's expiry ({@code notAfterMillis}, Unix millis, or
     * -1 if none) and why it is not valid ({@code problem}, null when valid).
     */
    public void onCertificate(String target, long notAfterMillis, String problem, Instant now) {
        assert onOwnerThread() : "CertificatePolicy used from " + Thread.currentThread() + ", owner " + owner;
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(now, "now");
        Target t = targets.computeIfAbsent(target, Target::new);
        t.notAfterMillis = notAfterMillis;
        t.problem = problem;
        evaluate(t, now);
    }

    /**
     * Forgets {@code target} (no longer probed). If its recipients last heard of a certificate problem, one
     * {@link AlertKind#REMOVED} alert ends it; no reminder follows.
     */
    public void remove(String target, Instant now) {
        assert onOwnerThread() : "CertificatePolicy used from " + Thread.currentThread() + ", owner " + owner;
        Objects.requireNonNull(now, "now");
        Target t = targets.remove(target);
        if (t == null || t.reported == null || !t.reported.isProblem()) {
            return;
        }
        Instant notAfter = t.notAfter();
        send(Alert.certificate(AlertKind.REMOVED, new CertificateChange(t.name, t.reported, t.reported, now, notAfter,
                "", "is no longer checked: its target was removed from the targets"), now, config.zone()), t.name);
    }

    /**
     * Advances time: judges every known certificate again (one comes within the warning period), resumes settled
     * flapping targets and sends due reminders. Call it periodically (every second is plenty).
     */
    public void tick(Instant now) {
        assert onOwnerThread() : "CertificatePolicy used from " + Thread.currentThread() + ", owner " + owner;
        Objects.requireNonNull(now, "now");
        for (Target t : targets.values()) {
            evaluate(t, now);
            if (t.flapping) {
                if (!now.isBefore(t.lastChangeAt.plus(config.flapSettle()))) {
                    t.flapping = false;
                    t.recentChanges.clear();
                    log.debug("certificate of {} settled as {} after flapping", t.name, t.effective);
                    if (t.effective != t.reported) {
                        announce(t, now, AlertKind.CERTIFICATE);
                    }
                }
            } else if (isReminderDue(t, now)) {
                announce(t, now, AlertKind.REMINDER);
            }
        }
    }

    /** The certificate state last announced for {@code target} (VALID after a silent good start), or null. */
    public CertificateState reportedState(String target) {
        Target t = targets.get(target);
        return t == null ? null : t.reported;
    }

    /** How many alerts this policy has handed to its sink. */
    public long alertsSent() {
        return alertsSent;
    }

    private CertificateState judge(Target t, Instant now) {
        if (t.problem != null) {
            return CertificateState.INVALID;
        }
        return t.notAfterMillis - now.toEpochMilli() < warn.toMillis() ? CertificateState.EXPIRING
                : CertificateState.VALID;
    }

    private void evaluate(Target t, Instant now) {
        CertificateState state = judge(t, now);
        if (state == t.effective) {
            return;
        }
        CertificateState before = t.effective;
        t.effective = state;
        t.effectiveSince = now;
        if (before == null && state == CertificateState.VALID && t.reported == null) {
            t.reported = CertificateState.VALID; // good at start: silent, the baseline for later changes
            return;
        }
        if (before != null) {
            t.lastChangeAt = now;
            if (t.flapping) {
                return; // held until it settles
            }
            if (t.recentChanges.record(now, config.flapWindow()) >= config.flapThreshold()) {
                t.flapping = true;
                t.recentChanges.clear();
                announce(t, now, AlertKind.FLAPPING);
                return;
            }
        }
        if (state != t.reported) {
            announce(t, now, AlertKind.CERTIFICATE);
        }
    }

    private boolean isReminderDue(Target t, Instant now) {
        return !config.repeat().isZero() && t.reported != null && t.reported.isProblem() && t.effective == t.reported
                && !now.isBefore(t.notifiedAt.plus(config.repeat()));
    }

    /** Tells the recipients of the target's current certificate state. */
    private void announce(Target t, Instant now, AlertKind kind) {
        CertificateState previous = t.reported;
        CertificateState current = t.effective;
        Instant at = t.effectiveSince; // for a reminder too: it is sent only while the state announced holds
        Instant notAfter = t.notAfter();
        String detail = detail(current, notAfter, t.problem, now);
        if (kind == AlertKind.FLAPPING) {
            detail += "; changed often within " + AlertPolicy.human(config.flapWindow()) + ", alerts held until "
                    + "stable for " + AlertPolicy.human(config.flapSettle());
        }
        t.reported = current;
        t.notifiedAt = now;
        CertificateChange line = new CertificateChange(t.name, previous, current, at, notAfter,
                current == CertificateState.INVALID ? t.problem : "", detail);
        send(Alert.certificate(kind, line, now, config.zone()), t.name);
    }

    private void send(Alert alert, String target) {
        alertsSent++;
        try {
            sink.send(alert);
        } catch (RuntimeException e) {
            // A sink must not throw; if one does, the loop carries on and the alert is logged here instead.
            log.error("alert sink {} threw on the certificate of {}", sink, target, e);
        }
    }

    /** The words after "certificate of NAME". */
    private String detail(CertificateState state, Instant notAfter, String problem, Instant now) {
        String date = notAfter == null ? "unknown" : notAfter.toString();
        return switch (state) {
            case INVALID -> "is invalid: " + problem + " (expires " + date + ")";
            case EXPIRING -> "expires " + date + " (in "
                    + Math.floorDiv(notAfter == null ? 0 : notAfter.toEpochMilli() - now.toEpochMilli(), DAY_MILLIS)
                    + " days, warning at " + warn.toDays() + ")";
            case VALID -> "is valid until " + date;
        };
    }

    private boolean onOwnerThread() {
        if (owner == null) {
            owner = Thread.currentThread();
        }
        return owner == Thread.currentThread();
    }
}
