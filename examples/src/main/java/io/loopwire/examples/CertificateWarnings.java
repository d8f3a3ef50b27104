package io.loopwire.examples;

import io.loopwire.probe.ProbeListener;
import io.loopwire.probe.ProbeTarget;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The monitor's certificate alerts for {@code tls://} targets, apart from the latency states: a line
 * {@code ALERT [loopwire] certificate of NAME ...} when a certificate is invalid (with the reason and its expiry date)
 * or expires within the warning period, and {@code RESOLVED} when it is fine again (renewed). Checked on every
 * certificate change and once a day for the passing of time.
 *
 * @implNote Reactor thread only (a prober listener; {@link #recheck} from a loop timer).
 */
final class CertificateWarnings implements ProbeListener {
    private final PrintStream out;
    private final Duration warn;
    /** Per target, the alert line last printed (null when fine). */
    private final Map<ProbeTarget, String> alerted = new HashMap<>();
    private final Map<ProbeTarget, long[]> expiry = new HashMap<>();
    private final Map<ProbeTarget, String> problems = new HashMap<>();

    CertificateWarnings(PrintStream out, Duration warn) {
        this.out = out;
        this.warn = warn;
    }

    @Override
    public void onCertificate(ProbeTarget target, long notAfterMillis, String problem) {
        expiry.put(target, new long[] {notAfterMillis});
        if (problem == null) {
            problems.remove(target);
        } else {
            problems.put(target, problem);
        }
        judge(target, System.currentTimeMillis());
    }

    @Override
    public void onTargetsChanged(java.util.List<ProbeTarget> added, java.util.List<ProbeTarget> removed) {
        for (ProbeTarget t : removed) {
            alerted.remove(t);
            expiry.remove(t);
            problems.remove(t);
        }
    }

    /** Judges every known certificate again (time passes: a valid one comes within the warning period). */
    void recheck() {
        long now = System.currentTimeMillis();
        for (ProbeTarget t : expiry.keySet()) {
            judge(t, now);
        }
    }

    private void judge(ProbeTarget target, long now) {
        long notAfter = expiry.get(target)[0];
        String problem = problems.get(target);
        String date = Instant.ofEpochMilli(notAfter).toString();
        long daysLeft = Math.floorDiv(notAfter - now, 86_400_000L);
        String line = null;
        if (problem != null) {
            line = "certificate of " + target.name() + " is invalid: " + problem + " (expires " + date + ")";
        } else if (notAfter - now < warn.toMillis()) {
            line = "certificate of " + target.name() + " expires " + date + " (in " + daysLeft + " days, warning at "
                    + warn.toDays() + ")";
        }
        String before = alerted.get(target);
        if (line != null && !line.equals(before)) {
            out.println(Instant.ofEpochMilli(now) + " ALERT [loopwire] " + line);
            alerted.put(target, line);
        } else if (line == null && before != null) {
            out.println(Instant.ofEpochMilli(now) + " RESOLVED [loopwire] certificate of " + target.name()
                    + " is valid until " + date);
            alerted.remove(target);
        }
    }
}
