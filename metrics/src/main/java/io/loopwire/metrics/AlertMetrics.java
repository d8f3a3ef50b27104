package io.loopwire.metrics;

import io.loopwire.alert.AlertmanagerSink;
import io.loopwire.alert.LogAlertSink;
import io.loopwire.alert.QueuedAlertSink;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Alerts by sink and outcome: {@code loopwire_alerts_total{sink="console",outcome="sent"}} and, for each queued sink
 * ({@code email}, {@code alertmanager}, {@code webhook}), {@code outcome} in {@code sent} (accepted by the
 * destination), {@code failed} (retries exhausted or refused), {@code dropped} (queue full or closed),
 * {@code dropped_reminder} and {@code retried}, plus {@code loopwire_alerts_pending{sink}} (waiting in its queue).
 * For Alertmanager a delivery is one push of every firing alert; {@code loopwire_alertmanager_alerts_posted_total}
 * counts the alerts those pushes carried and {@code loopwire_alertmanager_alerts_firing} those firing now.
 *
 * @implNote Thread-safe. The sinks keep atomic counters (they are updated on the sink's own thread), so these are read
 *     directly, not through the loop. {@link #add} before binding.
 */
public final class AlertMetrics implements MeterBinder {
    private final LogAlertSink console;
    private final Map<String, QueuedAlertSink> queued = new LinkedHashMap<>();

    /** Either sink may be null. */
    public AlertMetrics(LogAlertSink console, QueuedAlertSink email) {
        this.console = console;
        if (email != null) {
            queued.put("email", email);
        }
    }

    /** Also counts {@code sink} under the label {@code sink=name} (e.g. "alertmanager", "webhook"). */
    public synchronized AlertMetrics add(String name, QueuedAlertSink sink) {
        queued.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(sink, "sink"));
        return this;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        if (console != null) {
            register(registry, console, "console", "sent", LogAlertSink::sent);
        }
        for (Map.Entry<String, QueuedAlertSink> e : queued.entrySet()) {
            String name = e.getKey();
            QueuedAlertSink sink = e.getValue();
            register(registry, sink, name, "sent", QueuedAlertSink::sent);
            register(registry, sink, name, "failed", QueuedAlertSink::failed);
            register(registry, sink, name, "dropped", QueuedAlertSink::dropped);
            register(registry, sink, name, "dropped_reminder", QueuedAlertSink::droppedReminders);
            register(registry, sink, name, "retried", QueuedAlertSink::retried);
            Gauge.builder("loopwire.alerts.pending", sink, QueuedAlertSink::pending)
                    .description("Deliveries waiting in the sink's queue").tags(Tags.of("sink", name))
                    .strongReference(true).register(registry);
            if (sink instanceof AlertmanagerSink am) {
                FunctionCounter.builder("loopwire.alertmanager.alerts.posted", am, AlertmanagerSink::alertsPosted)
                        .description("Alerts carried by pushes Alertmanager accepted").register(registry);
                Gauge.builder("loopwire.alertmanager.alerts.firing", am, AlertmanagerSink::firing)
                        .description("Alerts firing now (one per target in a problem state)").strongReference(true)
                        .register(registry);
            }
        }
    }

    private static <T> void register(MeterRegistry registry, T sink, String name, String outcome,
            ToDoubleFunction<T> count) {
        FunctionCounter.builder("loopwire.alerts", sink, count).description("Alerts by sink and outcome")
                .tags(Tags.of("sink", name, "outcome", outcome)).register(registry);
    }
}
