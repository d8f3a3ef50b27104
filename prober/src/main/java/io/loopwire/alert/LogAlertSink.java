package io.loopwire.alert;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each alert through slf4j, at WARN for problems (and flapping) and INFO for recoveries: one line for the alert
 * and one per target. Given a console stream, it prints the alert there instead (an {@code ALERT} line and one per
 * target) and logs it at DEBUG only, so a person at the console sees each alert once.
 *
 * @implNote {@link #send(Alert)} runs on the caller's thread (the loop); it only formats a few lines and writes them
 *     to the logger and stream, so it is as fast as they are. Safe to call from any thread.
 */
public final class LogAlertSink implements AlertSink {

    private static final Logger log = LoggerFactory.getLogger(LogAlertSink.class);

    private final PrintStream console;
    private final AtomicLong sent = new AtomicLong();

    /** A sink that only logs. */
    public LogAlertSink() {
        this(null);
    }

    /** A sink that prints to {@code console} (logging at DEBUG only), or that logs if it is {@code null}. */
    public LogAlertSink(PrintStream console) {
        this.console = console;
    }

    @Override
    public void send(Alert alert) {
        if (console == null) {
            log(alert);
        } else {
            if (log.isDebugEnabled()) {
                log.debug("alert {}: {} (printed to the console)", alert.kind(), alert.subject());
            }
            StringBuilder sb = new StringBuilder(128);
            sb.append(alert.format(alert.created())).append(" ALERT ").append(alert.subject()).append('\n');
            for (String line : lines(alert)) {
                sb.append("    ").append(line).append('\n');
            }
            console.print(sb);
            console.flush();
        }
        sent.incrementAndGet();
    }

    private static void log(Alert alert) {
        final boolean problem = alert.isProblem();
        if (problem) {
            log.warn("alert {}: {}", alert.kind(), alert.subject());
        } else {
            log.info("alert {}: {}", alert.kind(), alert.subject());
        }
        for (String line : lines(alert)) {
            if (problem) {
                log.warn("  {}", line);
            } else {
                log.info("  {}", line);
            }
        }
    }

    /** How many alerts this sink has written. */
    public long sent() {
        return sent.get();
    }

    private static List<String> lines(Alert alert) {
        List<String> lines = new ArrayList<>(alert.changes().size() + alert.certificates().size());
        for (TargetChange c : alert.changes()) {
            lines.add(line(alert, c));
        }
        for (CertificateChange c : alert.certificates()) {
            lines.add(alert.certificateLine(c));
        }
        return lines;
    }

    private static String line(Alert alert, TargetChange c) {
        return c.target() + " " + (c.previous() == null ? "(start)" : c.previous()) + " -> " + c.current()
                + " since " + alert.format(c.at()) + " rtt " + Alert.rtt(c.lastRttNanos())
                + (c.detail().isEmpty() ? "" : " (" + c.detail() + ")");
    }

    @Override
    public String toString() {
        return "LogAlertSink";
    }
}
