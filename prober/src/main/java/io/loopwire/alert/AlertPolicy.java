package io.loopwire.alert;

import io.loopwire.probe.LinkState;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when a target's confirmed state changes become alerts, so that a person gets one mail per real event and
 * never one per probe.
 *
 * <p><b>Not thread-safe.</b> All methods must be called from one thread, the reactor (loop) thread that classifies
 * probes (checked by an assert when assertions are on). The policy never sleeps, never starts a thread and never
 * reads a clock: time is whatever {@code now} the caller passes, so a test can script hours in microseconds.
 *
 * <p>Rules (the README's classification rules):
 * <ul>
 *   <li>{@link LinkState#PENDING} is never alerted: a change to it is ignored, and a change out of it is compared
 *       with the state before it (so NORMAL &rarr; PENDING &rarr; NORMAL is nothing at all).</li>
 *   <li>A confirmed change to a problem state (SLOW, VERY_SLOW, DOWN, or between them) is alerted as
 *       {@link AlertKind#CHANGE}; a target whose first classification is a problem as {@link AlertKind#INITIAL};
 *       a first classification of NORMAL is silent.</li>
 *   <li>Back to NORMAL is alerted ({@link AlertKind#RECOVERY}) only if the problem was alerted.</li>
 *   <li>Group wait: the first change opens a batch that is released {@code groupWait} later (at the first
 *       {@link #tick} at or after that instant, or at once when it is zero), as ONE alert listing every target that
 *       changed meanwhile. A target that went back to what its recipients last heard before the batch left is not
 *       listed (a blip shorter than the group wait mails nobody).</li>
 *   <li>Reminder ({@link AlertKind#REMINDER}) every {@code repeat} while a target stays in its alerted problem
 *       state; reminders due at the same tick go out as one alert.</li>
 *   <li>Flapping: a target with {@code flapThreshold} or more changes within {@code flapWindow} gets one
 *       {@link AlertKind#FLAPPING} alert (sent at once, naming its current state); its alerts are then held until it
 *       has not changed for {@code flapSettle}, after which one alert is sent if its state differs from the one last
 *       announced.</li>
 *   <li>A target taken out of the probed set ({@link #remove}) while its problem was alerted gets one
 *       {@link AlertKind#REMOVED} alert, which ends that alert; nothing more is said of it.</li>
 * </ul>
 */
public final class AlertPolicy {

    private static final Logger log = LoggerFactory.getLogger(AlertPolicy.class);

    /**
     * Tunables, validated on construction ({@link IllegalArgumentException} naming the value and the limit).
     *
     * @param repeat        reminder period while a target stays bad; {@link Duration#ZERO} turns reminders off,
     *                      otherwise at least 1 s (default 4 h)
     * @param groupWait     how long a batch stays open after its first change, 0 to 1 h (default 30 s)
     * @param flapWindow    the recent window in which changes are counted, at least 1 s (default 10 min)
     * @param flapThreshold changes within the window that make a target flapping, 3 to 10,000 (default 6)
     * @param flapSettle    how long a flapping target must keep one state before its alerts resume, at least 1 s
     *                      (default 5 min)
     * @param zone          the zone in which alerts render their timestamps (default the system's)
     */
    public record Config(Duration repeat, Duration groupWait, Duration flapWindow, int flapThreshold,
                         Duration flapSettle, ZoneId zone) {

        /** Default reminder period. */
        public static final Duration DEFAULT_REPEAT = Duration.ofHours(4);
        /** Default group wait. */
        public static final Duration DEFAULT_GROUP_WAIT = Duration.ofSeconds(30);
        /** Default flapping window: with 10 s probes and 2 confirming rounds a change takes at least 20 s. */
        public static final Duration DEFAULT_FLAP_WINDOW = Duration.ofMinutes(10);
        /** Default number of changes within the window that counts as flapping. */
        public static final int DEFAULT_FLAP_THRESHOLD = 6;
        /** Default quiet time after which a flapping target counts as settled. */
        public static final Duration DEFAULT_FLAP_SETTLE = Duration.ofMinutes(5);

        private static final Duration MAX_GROUP_WAIT = Duration.ofHours(1);
        private static final Duration MIN_PERIOD = Duration.ofSeconds(1);

        /** Validates every value. */
        public Config {
            Objects.requireNonNull(repeat, "repeat");
            Objects.requireNonNull(groupWait, "groupWait");
            Objects.requireNonNull(flapWindow, "flapWindow");
            Objects.requireNonNull(flapSettle, "flapSettle");
            Objects.requireNonNull(zone, "zone");
            if (!repeat.isZero() && repeat.compareTo(MIN_PERIOD) < 0) {
                throw new IllegalArgumentException("repeat must be 0 (off) or at least 1s: " + repeat);
            }
            if (groupWait.isNegative() || groupWait.compareTo(MAX_GROUP_WAIT) > 0) {
                throw new IllegalArgumentException("groupWait must be between 0 and 1h: " + groupWait);
            }
            if (flapWindow.compareTo(MIN_PERIOD) < 0) {
                throw new IllegalArgumentException("flapWindow must be at least 1s: " + flapWindow);
            }
            if (flapThreshold < 3 || flapThreshold > 10_000) {
                throw new IllegalArgumentException("flapThreshold must be between 3 and 10000: " + flapThreshold);
            }
            if (flapSettle.compareTo(MIN_PERIOD) < 0) {
                throw new IllegalArgumentException("flapSettle must be at least 1s: " + flapSettle);
            }
        }

        /** The defaults: repeat 4 h, group wait 30 s, flapping at 6 changes in 10 min, settled after 5 min. */
        public static Config defaults() {
            return new Config(DEFAULT_REPEAT, DEFAULT_GROUP_WAIT, DEFAULT_FLAP_WINDOW, DEFAULT_FLAP_THRESHOLD,
                    DEFAULT_FLAP_SETTLE, ZoneId.systemDefault());
        }

        /** A copy with another reminder period. */
        public Config withRepeat(Duration d) {
            return new Config(d, groupWait, flapWindow, flapThreshold, flapSettle, zone);
        }

        /** A copy with another group wait. */
        public Config withGroupWait(Duration d) {
            return new Config(repeat, d, flapWindow, flapThreshold, flapSettle, zone);
        }

        /** A copy with another flapping window and threshold. */
        public Config withFlapping(Duration window, int threshold) {
            return new Config(repeat, groupWait, window, threshold, flapSettle, zone);
        }

        /** A copy with another settle time. */
        public Config withFlapSettle(Duration d) {
            return new Config(repeat, groupWait, flapWindow, flapThreshold, d, zone);
        }

        /** A copy rendering timestamps in another zone. */
        public Config withZone(ZoneId z) {
            return new Config(repeat, groupWait, flapWindow, flapThreshold, flapSettle, z);
        }
    }

    /** What the policy knows of one target. */
    private static final class Target {
        final String name;
        /** The last confirmed state other than PENDING; null before the first. */
        LinkState effective;
        Instant effectiveSince;
        long lastRttNanos = -1;
        /** What the recipients last heard (NORMAL implied by a silent first classification); null before. */
        LinkState reported;
        /** When the recipients last heard of this target (alert or reminder). */
        Instant notifiedAt;
        /** When the alerted problem began; null while the reported state is not a problem. */
        Instant problemSince;
        boolean inBatch;
        boolean flapping;
        Instant lastChangeAt;
        final ChangeWindow recentChanges = new ChangeWindow();

        Target(String name) {
            this.name = name;
        }
    }

    private final Config config;
    private final AlertSink sink;
    private final Map<String, Target> targets = new HashMap<>();
    private final List<Target> batch = new ArrayList<>();
    private Instant batchReleaseAt;
    private Thread owner;
    private long alertsSent;

    /** A policy with {@code config} that hands its alerts to {@code sink}. */
    public AlertPolicy(Config config, AlertSink sink) {
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /** The configuration in force. */
    public Config config() {
        return config;
    }

    /**
     * Tells of a confirmed state change of {@code target}. Call it when the classifier confirms a change, including
     * the first classification ({@code from == null}), PENDING included (it is ignored for alerting here).
     *
     * @param from         the previous state as the classifier saw it, {@code null} for the first classification
     *                     (informational: the policy keeps its own view)
     * @param to           the new confirmed state
     * @param now          the current time
     * @param lastRttNanos the last RTT measured for the target in nanoseconds, or {@code -1}
     */
    public void onStateChange(String target, LinkState from, LinkState to, Instant now, long lastRttNanos) {
        assert onOwnerThread() : "AlertPolicy used from " + Thread.currentThread() + ", owner " + owner;
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(now, "now");
        Target t = targets.computeIfAbsent(target, Target::new);
        t.lastRttNanos = lastRttNanos < 0 ? -1 : lastRttNanos;
        if (to == LinkState.PENDING || to == t.effective) {
            return; // PENDING is printed by the monitor, never alerted; and no change is no change
        }
        final LinkState before = t.effective;
        t.effective = to;
        t.effectiveSince = now;
        if (before == null) {
            if (to == LinkState.NORMAL && t.reported == null) {
                t.reported = LinkState.NORMAL; // good at start: silent, and the baseline for later changes
                return;
            }
        } else {
            t.lastChangeAt = now;
            if (t.flapping) {
                return; // held until it settles
            }
            if (t.recentChanges.record(now, config.flapWindow()) >= config.flapThreshold()) {
                startFlapping(t, now);
                return;
            }
        }
        mark(t, now);
    }

    /**
     * Advances time: releases a batch whose group wait is over, resumes settled flapping targets and sends due
     * reminders. Call it periodically (every second is plenty); it costs one pass over the targets.
     */
    public void tick(Instant now) {
        assert onOwnerThread() : "AlertPolicy used from " + Thread.currentThread() + ", owner " + owner;
        Objects.requireNonNull(now, "now");
        if (batchReleaseAt != null && !now.isBefore(batchReleaseAt)) {
            release(now);
        }
        List<TargetChange> reminders = null;
        for (Target t : targets.values()) {
            if (t.flapping) {
                if (!now.isBefore(t.lastChangeAt.plus(config.flapSettle()))) {
                    settle(t, now);
                }
                continue;
            }
            if (isReminderDue(t, now)) {
                if (reminders == null) {
                    reminders = new ArrayList<>();
                }
                reminders.add(new TargetChange(t.name, t.reported, t.reported, t.problemSince, t.lastRttNanos,
                        "still " + t.reported + " after " + human(Duration.between(t.problemSince, now))));
                t.notifiedAt = now;
            }
        }
        if (reminders != null) {
            emit(new Alert(AlertKind.REMINDER, reminders, now, config.zone()));
        }
    }

    /**
     * Forgets targets taken out of the probed set. Those whose recipients last heard of a problem get one
     * {@link AlertKind#REMOVED} alert naming them all, which ends their alerts; no reminder follows. The others go
     * silently, with any change of theirs still waiting in the open batch.
     */
    public void remove(Collection<String> names, Instant now) {
        assert onOwnerThread() : "AlertPolicy used from " + Thread.currentThread() + ", owner " + owner;
        Objects.requireNonNull(now, "now");
        List<TargetChange> lines = new ArrayList<>();
        for (String name : names) {
            Target t = targets.remove(name);
            if (t == null) {
                continue;
            }
            leaveBatch(t);
            if (t.reported != null && t.reported.isProblem()) {
                lines.add(new TargetChange(t.name, t.reported, t.reported, now, t.lastRttNanos,
                        "removed from the targets, no longer probed"));
            }
        }
        if (!lines.isEmpty()) {
            emit(new Alert(AlertKind.REMOVED, lines, now, config.zone()));
        }
    }

    /** Releases the open batch now, whatever its group wait (on shutdown, so nothing pending is lost). */
    public void flush(Instant now) {
        assert onOwnerThread() : "AlertPolicy used from " + Thread.currentThread() + ", owner " + owner;
        if (batchReleaseAt != null) {
            release(now);
        }
    }

    /** How many alerts this policy has handed to its sink. */
    public long alertsSent() {
        return alertsSent;
    }

    /** The state last announced for {@code target} (NORMAL after a silent good start), or {@code null}. */
    public LinkState reportedState(String target) {
        Target t = targets.get(target);
        return t == null ? null : t.reported;
    }

    /** Whether {@code target} is currently held as flapping. */
    public boolean isFlapping(String target) {
        Target t = targets.get(target);
        return t != null && t.flapping;
    }

    /** When the open batch will be released, or {@code null} if none is open. */
    public Instant batchReleaseAt() {
        return batchReleaseAt;
    }

    private boolean isReminderDue(Target t, Instant now) {
        return !config.repeat().isZero() && !t.inBatch && t.reported != null && t.reported.isProblem()
                && t.effective == t.reported && !now.isBefore(t.notifiedAt.plus(config.repeat()));
    }

    /** Puts a target into the open batch, opening one if needed. */
    private void mark(Target t, Instant now) {
        if (!t.inBatch) {
            t.inBatch = true;
            batch.add(t);
        }
        if (batchReleaseAt == null) {
            batchReleaseAt = now.plus(config.groupWait());
        }
        if (config.groupWait().isZero()) {
            release(now);
        }
    }

    private void release(Instant now) {
        batchReleaseAt = null;
        List<TargetChange> lines = new ArrayList<>(batch.size());
        AlertKind kind = null;
        for (Target t : batch) {
            t.inBatch = false;
            LinkState eff = t.effective;
            LinkState rep = t.reported;
            if (eff == rep) {
                continue; // back to what its recipients last heard before the batch left
            }
            AlertKind k;
            String detail;
            if (eff.isProblem()) {
                k = rep == null ? AlertKind.INITIAL : AlertKind.CHANGE;
                if (rep == null || !rep.isProblem()) {
                    t.problemSince = t.effectiveSince;
                }
                detail = eff == LinkState.DOWN ? "no reply" : "";
            } else if (rep != null && rep.isProblem()) {
                k = AlertKind.RECOVERY;
                detail = "problem lasted " + human(Duration.between(t.problemSince, t.effectiveSince));
                t.problemSince = null;
            } else {
                t.reported = eff; // NORMAL after a problem nobody heard of: nothing to say
                continue;
            }
            lines.add(new TargetChange(t.name, rep, eff, t.effectiveSince, t.lastRttNanos, detail));
            t.reported = eff;
            t.notifiedAt = now;
            kind = kind == null || kind == k ? k : AlertKind.CHANGE;
        }
        batch.clear();
        if (!lines.isEmpty()) {
            emit(new Alert(kind, lines, now, config.zone()));
        }
    }

    /** Takes {@code t} out of the open batch, if it is in it; an emptied batch is closed. */
    private void leaveBatch(Target t) {
        if (!t.inBatch) {
            return;
        }
        t.inBatch = false;
        batch.remove(t);
        if (batch.isEmpty()) {
            batchReleaseAt = null;
        }
    }

    private void startFlapping(Target t, Instant now) {
        t.flapping = true;
        final int changes = t.recentChanges.size();
        t.recentChanges.clear();
        leaveBatch(t);
        LinkState previous = t.reported;
        String detail = changes + " changes within " + human(config.flapWindow()) + "; alerts held until stable for "
                + human(config.flapSettle());
        TargetChange line = new TargetChange(t.name, previous, t.effective, now, t.lastRttNanos, detail);
        // The flapping alert announces the current state: after settling, only a different state is alerted.
        if (t.effective.isProblem() && (previous == null || !previous.isProblem())) {
            t.problemSince = now;
        } else if (!t.effective.isProblem()) {
            t.problemSince = null;
        }
        t.reported = t.effective;
        t.notifiedAt = now;
        emit(new Alert(AlertKind.FLAPPING, List.of(line), now, config.zone()));
    }

    private void settle(Target t, Instant now) {
        t.flapping = false;
        t.recentChanges.clear();
        log.debug("{} settled as {} after flapping", t.name, t.effective);
        if (t.effective != t.reported) {
            mark(t, now);
        }
    }

    private void emit(Alert alert) {
        alertsSent++;
        try {
            sink.send(alert);
        } catch (RuntimeException e) {
            // A sink must not throw; if one does, the loop carries on and the alert is logged here instead.
            log.error("alert sink {} threw on: {}", sink, alert.subject(), e);
        }
    }

    private boolean onOwnerThread() {
        if (owner == null) {
            owner = Thread.currentThread();
        }
        return owner == Thread.currentThread();
    }

    /** {@code 4h 0m}, {@code 2m 5s}, {@code 35s}: enough precision for a person. */
    static String human(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s >= 86_400) {
            return (s / 86_400) + "d " + (s % 86_400) / 3600 + "h";
        }
        if (s >= 3600) {
            return (s / 3600) + "h " + (s % 3600) / 60 + "m";
        }
        if (s >= 60) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        return s + "s";
    }
}
