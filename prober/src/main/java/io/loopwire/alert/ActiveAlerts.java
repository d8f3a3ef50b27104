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
 * <p><b>Threading.</b> Thread-safe (one lock): {@link #apply} runs on the reactor thread, {@link #snapshot} on a
 * delivery thread. Memory is bounded by the number of targets plus {@code maxResolved}.
 */
final class ActiveAlerts {
    /** alertname of a DOWN target. */
    static final String DOWN = "LoopwireTargetDown";
    /** alertname of a SLOW or VERY_SLOW target. */
    static final String SLOW = "LoopwireTargetSlow";

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
        List<PushedAlert> changed = new ArrayList<>(alert.changes().size() + 1);
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
        notes.put("summary", old.labels().get("name") + " is no longer " + old.state());
        notes.put("description", who(old.labels()) + " left " + old.state() + " at "
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
        Map<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, String> e : extraLabels.labels(c.target()).entrySet()) {
            if (LABEL_NAME.matcher(e.getKey()).matches() && !e.getKey().startsWith("__") && e.getValue() != null) {
                labels.put(e.getKey(), e.getValue());
            } else {
                log.warn("target {}: label '{}' is not a Prometheus label name; left out", c.target(), e.getKey());
            }
        }
        labels.putIfAbsent("target", c.target());
        labels.put("name", c.target());
        labels.put("alertname", state == LinkState.DOWN ? DOWN : SLOW);
        labels.put("severity", state == LinkState.DOWN ? "critical" : "warning");
        labels.put("state", state.name());
        return new PushedAlert(c.target(), state, PushedAlert.sorted(labels),
                PushedAlert.sorted(annotations(c, labels)),
                c.at(), null);
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
