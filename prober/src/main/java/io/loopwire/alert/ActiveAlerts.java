package io.loopwire.alert;

import io.loopwire.probe.LinkState;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the policy's {@link Alert}s into Alertmanager alerts and remembers which fire: one per target in a problem
 * state, identified by its labels, and the recently resolved ones.
 *
 * <p><b>Labels.</b> {@code alertname} ({@value #DOWN} for DOWN, {@value #SLOW} for SLOW and VERY_SLOW),
 * {@code severity} ({@code critical} for DOWN, else {@code warning}), {@code state}, {@code name} (the target's name),
 * {@code target} (its address, from {@link TargetLabels}, else its name) and the target's own labels. A target that
 * moves between problem states resolves the old alert and fires a new one, as a Prometheus rule with a state label
 * would. Annotations {@code summary} and {@code description} say what happened in words.
 *
 * <p><b>Certificates.</b> A {@code tls://} target also has at most one certificate alert, apart from its link alert:
 * {@value #CERT_EXPIRING} (severity {@code warning}) or {@value #CERT_INVALID} ({@code critical}), with the same
 * {@code name}, {@code target} and own labels, and annotations {@code not_after} and {@code reason}. A renewal
 * resolves it.
 *
 * <p><b>Threading.</b> Thread-safe (one lock): {@link #apply} runs on the reactor thread, {@link #snapshot} on a
 * delivery thread. Memory is bounded by the number of targets plus {@code maxResolved}.
 */
final class ActiveAlerts {
    /** alertname of a DOWN target. */
    static final String DOWN = "LoopwireTargetDown";
    /** alertname of a SLOW or VERY_SLOW target. */
    static final String SLOW = "LoopwireTargetSlow";
    /** alertname of a certificate that expires within the warning period. */
    static final String CERT_EXPIRING = "LoopwireCertificateExpiring";
    /** alertname of a certificate that is not valid. */
    static final String CERT_INVALID = "LoopwireCertificateInvalid";
    /** Suffix of a certificate alert's key in {@link #firing}: a target has one link and one certificate alert. */
    private static final String CERT_KEY = "\u0000certificate";

    private static final Logger log = LoggerFactory.getLogger(ActiveAlerts.class);
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final TargetLabels extraLabels;
    private final Duration retention;
    private final int maxResolved;
    private final Map<String, PushedAlert> firing = new LinkedHashMap<>();
    private final ArrayDeque<PushedAlert> resolved = new ArrayDeque<>();

    ActiveAlerts(TargetLabels extraLabels, Duration retention, int maxResolved) {
        this.extraLabels = Objects.requireNonNull(extraLabels, "extraLabels");
        this.retention = retention;
        this.maxResolved = maxResolved;
    }

    /**
     * Records what {@code alert} says of each target and returns the alerts it changed: the new or re-affirmed
     * firing ones and those it resolved.
     */
    synchronized List<PushedAlert> apply(Alert alert) {
        List<PushedAlert> changed = new ArrayList<>(alert.changes().size() + alert.certificates().size() + 1);
        if (alert.kind() == AlertKind.REMOVED) {
            // The targets are gone: their alerts end, in whatever state they were.
            for (CertificateChange c : alert.certificates()) {
                resolveIfFiring(c.target() + CERT_KEY, c.at(), c.sentence(), changed);
            }
            for (TargetChange c : alert.changes()) {
                resolveIfFiring(c.target(), c.at(), c.detail(), changed);
            }
            return changed;
        }
        for (CertificateChange c : alert.certificates()) {
            applyCertificate(c, changed);
        }
        for (TargetChange c : alert.changes()) {
            PushedAlert old = firing.get(c.target());
            if (c.isProblem()) {
                if (old != null && old.state() == c.current()) {
                    // A reminder or flapping notice of the same problem: same identity, same start, fresh words.
                    PushedAlert again = new PushedAlert(old.target(), old.state(), old.labels(),
                            PushedAlert.sorted(annotations(c, old.labels())), old.startsAt(), null);
                    firing.put(c.target(), again);
                    changed.add(again);
                    continue;
                }
                if (old != null) {
                    changed.add(resolve(old, c.at(), "now " + c.current()));
                }
                PushedAlert fresh = firingAlert(c, c.current());
                // A retained resolution of the same label set, re-sent after this, would resolve the new alert.
                resolved.removeIf(r -> r.labels().equals(fresh.labels()));
                firing.put(c.target(), fresh);
                changed.add(fresh);
            } else if (old != null) {
                firing.remove(c.target());
                changed.add(resolve(old, c.at(), c.detail()));
            } else if (c.previous() != null && c.previous().isProblem()) {
                // Its firing alert was never seen here (dropped from a full queue before it was applied): resolve
                // the alert that would have fired, so a receiver that did hear of it hears of the end.
                changed.add(resolve(firingAlert(c, c.previous()), c.at(), c.detail()));
            }
        }
        return changed;
    }

    private void resolveIfFiring(String key, Instant at, String why, List<PushedAlert> changed) {
        PushedAlert old = firing.remove(key);
        if (old != null) {
            changed.add(resolve(old, at, why));
        }
    }

    /** As {@link #apply} for one certificate line: the target's certificate alert fires, changes or resolves. */
    private void applyCertificate(CertificateChange c, List<PushedAlert> changed) {
        String key = c.target() + CERT_KEY;
        PushedAlert old = firing.get(key);
        if (c.isProblem()) {
            if (old != null && old.certificate() == c.current()) {
                PushedAlert again = new PushedAlert(old.target(), null, old.certificate(), old.labels(),
                        PushedAlert.sorted(certificateAnnotations(c, old.labels())), old.startsAt(), null);
                firing.put(key, again);
                changed.add(again);
                return;
            }
            if (old != null) {
                changed.add(resolve(old, c.at(), "now " + c.current()));
            }
            PushedAlert fresh = certificateAlert(c, c.current());
            resolved.removeIf(r -> r.labels().equals(fresh.labels()));
            firing.put(key, fresh);
            changed.add(fresh);
        } else if (old != null) {
            firing.remove(key);
            changed.add(resolve(old, c.at(), c.sentence()));
        } else if (c.previous() != null && c.previous().isProblem()) {
            changed.add(resolve(certificateAlert(c, c.previous()), c.at(), c.sentence()));
        }
    }

    /** Every firing alert and the resolved ones within the retention, oldest resolved first. */
    synchronized List<PushedAlert> snapshot(Instant now) {
        Instant oldest = now.minus(retention);
        while (!resolved.isEmpty() && resolved.peekFirst().endsAt().isBefore(oldest)) {
            resolved.pollFirst();
        }
        List<PushedAlert> all = new ArrayList<>(firing.size() + resolved.size());
        all.addAll(firing.values());
        all.addAll(resolved);
        return all;
    }

    synchronized boolean isEmpty() {
        return firing.isEmpty() && resolved.isEmpty();
    }

    synchronized int firingCount() {
        return firing.size();
    }

    private PushedAlert resolve(PushedAlert old, Instant at, String why) {
        Map<String, String> notes = new TreeMap<>(old.annotations());
        notes.put("summary", old.labels().get("name") + " is no longer " + old.stateName());
        notes.put("description", who(old.labels()) + " left " + old.stateName() + " at "
                + at.truncatedTo(ChronoUnit.SECONDS) + (why == null || why.isEmpty() ? "" : "; " + why));
        PushedAlert r = old.resolvedAt(at, notes);
        resolved.removeIf(x -> x.labels().equals(r.labels())); // the latest end of a label set is the one to tell
        resolved.addLast(r);
        while (resolved.size() > maxResolved) {
            resolved.pollFirst();
        }
        return r;
    }

    private PushedAlert firingAlert(TargetChange c, LinkState state) {
        Map<String, String> labels = targetLabels(c.target());
        labels.put("alertname", state == LinkState.DOWN ? DOWN : SLOW);
        labels.put("severity", state == LinkState.DOWN ? "critical" : "warning");
        labels.put("state", state.name());
        return new PushedAlert(c.target(), state, PushedAlert.sorted(labels),
                PushedAlert.sorted(annotations(c, labels)),
                c.at(), null);
    }

    /** The target's own labels (valid names only), its {@code target} and {@code name}. */
    private Map<String, String> targetLabels(String name) {
        Map<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, String> e : extraLabels.labels(name).entrySet()) {
            if (LABEL_NAME.matcher(e.getKey()).matches() && !e.getKey().startsWith("__") && e.getValue() != null) {
                labels.put(e.getKey(), e.getValue());
            } else {
                log.warn("target {}: label '{}' is not a Prometheus label name; left out", name, e.getKey());
            }
        }
        labels.putIfAbsent("target", name);
        labels.put("name", name);
        return labels;
    }

    /**
     * A certificate alert: {@value #CERT_EXPIRING} (severity warning) or {@value #CERT_INVALID} (critical), with the
     * target's labels and no {@code state} label (the alertname says it).
     */
    private PushedAlert certificateAlert(CertificateChange c, CertificateState state) {
        Map<String, String> labels = targetLabels(c.target());
        labels.put("alertname", state == CertificateState.INVALID ? CERT_INVALID : CERT_EXPIRING);
        labels.put("severity", state == CertificateState.INVALID ? "critical" : "warning");
        return new PushedAlert(c.target(), null, state, PushedAlert.sorted(labels),
                PushedAlert.sorted(certificateAnnotations(c, labels)), c.at(), null);
    }

    /** {@code summary} (the sentence), {@code description} (who, since when, reason) and {@code not_after}. */
    private static Map<String, String> certificateAnnotations(CertificateChange c, Map<String, String> labels) {
        Map<String, String> notes = new TreeMap<>();
        notes.put("summary", c.sentence());
        StringBuilder d = new StringBuilder(128).append("the certificate of ").append(who(labels)).append(' ')
                .append(c.detail()).append("; seen ").append(c.at().truncatedTo(ChronoUnit.SECONDS));
        notes.put("description", d.toString());
        if (c.notAfter() != null) {
            notes.put("not_after", c.notAfter().toString());
        }
        if (!c.reason().isEmpty()) {
            notes.put("reason", c.reason());
        }
        return notes;
    }

    /** The target's name, and its address when that says more: {@code db (10.0.0.7:5432)}. */
    private static String who(Map<String, String> labels) {
        String name = labels.get("name");
        String target = labels.get("target");
        return target == null || target.equals(name) ? name : name + " (" + target + ")";
    }

    private static Map<String, String> annotations(TargetChange c, Map<String, String> labels) {
        Map<String, String> notes = new TreeMap<>();
        notes.put("summary", c.target() + " is " + c.current());
        StringBuilder d = new StringBuilder(96).append(who(labels)).append(" is ").append(c.current())
                .append(" since ").append(c.at().truncatedTo(ChronoUnit.SECONDS));
        if (c.lastRttNanos() >= 0) {
            d.append("; last rtt ").append(Alert.rtt(c.lastRttNanos()));
        }
        if (!c.detail().isEmpty()) {
            d.append("; ").append(c.detail());
        }
        notes.put("description", d.toString());
        return notes;
    }
}
