package io.loopwire.examples.web;

import io.loopwire.alert.Alert;
import io.loopwire.alert.AlertSink;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes alerts on to another sink and remembers the last {@value #KEPT}, for the live page.
 *
 * @implNote Thread-safe: alerts arrive on the loop, the page reads them on an HTTP thread.
 */
public final class RecentAlerts implements AlertSink {
    static final int KEPT = 20;

    private final AlertSink next;
    private final ArrayDeque<Alert> recent = new ArrayDeque<>(KEPT); // guarded by itself

    public RecentAlerts(AlertSink next) {
        this.next = next;
    }

    @Override
    public void send(Alert alert) {
        synchronized (recent) {
            if (recent.size() == KEPT) {
                recent.removeFirst();
            }
            recent.addLast(alert);
        }
        next.send(alert);
    }

    /** The remembered alerts, newest first. */
    public List<Alert> newestFirst() {
        synchronized (recent) {
            List<Alert> list = new ArrayList<>(recent);
            java.util.Collections.reverse(list);
            return list;
        }
    }

    @Override
    public void close(Duration grace) {
        next.close(grace);
    }
}
