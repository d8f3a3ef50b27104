package io.loopwire.examples;

import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeListener;
import io.loopwire.probe.ProbeStats;
import io.loopwire.probe.ProbeKind;
import io.loopwire.probe.ProbeTarget;
import java.io.PrintStream;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/** Prints one line per probe round and one per state change, like fping's and mtr's live output. */
final class RoundPrinter implements ProbeListener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    private final PrintStream out;
    private final boolean everyRound;
    private final Runnable onFinished;

    /** @param everyRound print a line per round; otherwise only state changes */
    RoundPrinter(PrintStream out, boolean everyRound, Runnable onFinished) {
        this.out = out;
        this.everyRound = everyRound;
        this.onFinished = onFinished;
    }

    private static String now() {
        return OffsetDateTime.now().truncatedTo(ChronoUnit.MILLIS).format(TIME);
    }

    /** A UDP loss is "no reply"; a TCP one says why (refused, timeout, unreachable). */
    private static String lossText(ProbeTarget target) {
        return target.kind() == ProbeKind.UDP || target.lastFailure() == null ? "no reply"
                : "no connection (" + target.lastFailure() + ")";
    }

    static String millis(long nanos) {
        return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    @Override
    public void onRound(ProbeTarget target, long rttNanos, LinkState state) {
        if (!everyRound) {
            return;
        }
        out.printf(Locale.ROOT, "%s  %-21s  %-9s  %s%n", now(), target.name(), state,
                rttNanos < 0 ? lossText(target) : "rtt " + millis(rttNanos));
    }

    @Override
    public void onStateChange(ProbeTarget target, LinkState from, LinkState to, long rttNanos) {
        out.printf(Locale.ROOT, "%s  %-21s  state %s -> %s%n", now(), target.name(),
                from == null ? "(start)" : from, to);
    }

    @Override
    public void onFinished() {
        onFinished.run();
    }

    /** The statistics table: one row per target, lifetime figures. Reactor thread (it reads the stats). */
    static void printStatistics(PrintStream out, List<ProbeTarget> targets) {
        out.println();
        out.println(ProbeStats.Figures.header());
        for (ProbeTarget target : targets) {
            out.println(target.stats().snapshot().lifetime().row(target.name()));
        }
        out.flush();
    }
}
