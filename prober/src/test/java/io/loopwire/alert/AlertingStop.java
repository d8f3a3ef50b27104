package io.loopwire.alert;

import io.loopwire.Reactor;
import io.loopwire.probe.LatencyProber;
import java.time.Duration;

/** The end-to-end tests' tear-down: the prober, then the listener's ticker on its loop, then the sink's queue. */
final class AlertingStop {
    private AlertingStop() {
    }

    static void stop(LatencyProber prober, Reactor reactor, AlertingListener alerts, AlertSink sink) throws Exception {
        prober.close();
        reactor.call(() -> {
            alerts.close();
            return null;
        });
        sink.close(Duration.ofSeconds(2));
    }
}
