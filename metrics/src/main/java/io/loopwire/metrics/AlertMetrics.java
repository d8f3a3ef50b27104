package io.loopwire.metrics;

import io.loopwire.alert.EmailAlertSink;
import io.loopwire.alert.LogAlertSink;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * Alerts by sink and outcome: {@code loopwire_alerts_total{sink="console",outcome="sent"}} and, for e-mail,
 * {@code outcome} in {@code sent} (accepted by the server), {@code failed} (retries exhausted), {@code dropped} (queue
 * full) and {@code retried}.
 *
 * @implNote Thread-safe. The sinks keep atomic counters (they are updated on the sink's own thread), so these are read
 *     directly, not through the loop.
 */
public final class AlertMetrics implements MeterBinder {
    private final LogAlertSink console;
    private final EmailAlertSink email;

    /** Either sink may be null. */
    public AlertMetrics(LogAlertSink console, EmailAlertSink email) {
        this.console = console;
        this.email = email;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (console != null) {
            register(registry, console, "console", "sent", LogAlertSink::sent);
        }
        if (email != null) {
            register(registry, email, "email", "sent", EmailAlertSink::sent);
            register(registry, email, "email", "failed", EmailAlertSink::failed);
            register(registry, email, "email", "dropped", EmailAlertSink::dropped);
            register(registry, email, "email", "retried", EmailAlertSink::retried);
        }
    }

    private static <T> void register(MeterRegistry registry, T sink, String name, String outcome,
            ToDoubleFunction<T> count) {
        FunctionCounter.builder("loopwire.alerts", sink, count).description("Alerts by sink and outcome")
                .tags(Tags.of("sink", name, "outcome", outcome)).register(registry);
    }
}
