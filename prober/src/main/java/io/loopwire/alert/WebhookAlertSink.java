package io.loopwire.alert;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts each alert as JSON in the shape of Alertmanager's webhook notifications (version "4"), so any receiver written
 * for Alertmanager takes it:
 * <pre>{@code
 * {"version":"4","groupKey":"{}:{}","truncatedAlerts":0,"status":"firing","receiver":"loopwire",
 *  "groupLabels":{},"commonLabels":{...},"commonAnnotations":{...},"externalURL":"...",
 *  "alerts":[{"status":"firing","labels":{...},"annotations":{...},"startsAt":"...",
 *             "endsAt":"0001-01-01T00:00:00Z","generatorURL":"...","fingerprint":"..."}]}
 * }</pre>
 * One POST per alert of the policy (its group wait already batches changes); {@code status} is "firing" if any of
 * its alerts fires. A firing alert's {@code endsAt} is Alertmanager's zero time, a resolved one's is when it recovered;
 * labels as for {@link AlertmanagerSink}. A target moving between problem states yields its old alert resolved and
 * its new one firing, in one notification.
 *
 * <p><b>Threading.</b> {@link #send(Alert)} only queues (safe on the reactor). The {@code loopwire-webhook} thread
 * renders and posts, one alert at a time, with the bounded retrying queue of the other sinks; a hung or failing
 * receiver delays notifications, never probing.
 */
public final class WebhookAlertSink extends QueueBackedSink {
    /** Alertmanager's webhook payload version. */
    public static final String VERSION = "4";
    /** What Alertmanager sends as {@code endsAt} for an alert still firing (Go's zero time). */
    static final String NOT_ENDED = "0001-01-01T00:00:00Z";

    private static final Logger log = LoggerFactory.getLogger(WebhookAlertSink.class);

    private final HttpAlertConfig config;
    private final String receiver;
    private final ActiveAlerts active;
    private final HttpPost post;
    private final RetryingAlertQueue queue;
    /** Queue thread only: the alert last rendered and its body, so a retry posts the same body. */
    private Alert rendered;
    private String body;

    /**
     * Starts the delivery thread.
     *
     * @param config   the webhook's URL and the delivery limits
     * @param labels   each target's extra labels ({@link TargetLabels#NONE} for none)
     * @param receiver the {@code receiver} field (Alertmanager puts its receiver's name there)
     */
    public WebhookAlertSink(HttpAlertConfig config, TargetLabels labels, String receiver) {
        this.config = Objects.requireNonNull(config, "config");
        this.receiver = Objects.requireNonNull(receiver, "receiver");
        this.active = new ActiveAlerts(labels, Duration.ZERO, 0);
        this.post = new HttpPost(config.uri(), config);
        this.queue = new RetryingAlertQueue(log, "webhook " + config.uri(), this::deliver, config.queueCapacity(),
                config.maxRetries(), config.initialBackoff(), config.maxBackoff(), "loopwire-webhook");
    }

    /** Queues the alert and returns at once. */
    @Override
    public void send(Alert alert) {
        queue.offer(alert);
    }

    private void deliver(Alert alert) throws AlertDelivery.Failure {
        if (alert != rendered) {
            // Applied in queue order, once per alert: a recovery then finds the start of the alert it resolves.
            body = json(active.apply(alert), receiver, config.externalUrl());
            rendered = alert;
        }
        if (body != null) {
            post.post(body);
        }
    }

    /** The notification for {@code alerts}, or null if there are none. */
    static String json(List<PushedAlert> alerts, String receiver, String externalUrl) {
        if (alerts.isEmpty()) {
            return null;
        }
        boolean anyFiring = alerts.stream().anyMatch(PushedAlert::firing);
        JsonWriter w = new JsonWriter(512 * alerts.size() + 256).beginObject()
                .name("version").value(VERSION)
                .name("groupKey").value("{}:{}")
                .name("truncatedAlerts").value(0)
                .name("status").value(anyFiring ? "firing" : "resolved")
                .name("receiver").value(receiver)
                .name("groupLabels").beginObject().endObject()
                .name("commonLabels").object(common(alerts, true))
                .name("commonAnnotations").object(common(alerts, false))
                .name("externalURL").value(externalUrl)
                .name("alerts").beginArray();
        for (PushedAlert a : alerts) {
            w.beginObject()
                    .name("status").value(a.firing() ? "firing" : "resolved")
                    .name("labels").object(a.labels())
                    .name("annotations").object(a.annotations())
                    .name("startsAt").value(PushedAlert.millis(a.startsAt()))
                    .name("endsAt").value(a.firing() ? NOT_ENDED : PushedAlert.millis(a.endsAt()))
                    .name("generatorURL").value(externalUrl)
                    .name("fingerprint").value(a.fingerprint())
                    .endObject();
        }
        return w.endArray().endObject().toString();
    }

    /** The labels (or annotations) every alert has with the same value. */
    private static Map<String, String> common(List<PushedAlert> alerts, boolean labels) {
        Map<String, String> common = new LinkedHashMap<>(labels ? alerts.get(0).labels() : alerts.get(0).annotations());
        for (PushedAlert a : alerts) {
            Map<String, String> m = labels ? a.labels() : a.annotations();
            common.entrySet().removeIf(e -> !e.getValue().equals(m.get(e.getKey())));
        }
        return common;
    }

    /** Posts what is still queued for at most {@code grace}, then stops the thread. */
    @Override
    public void close(Duration grace) {
        queue.close(Objects.requireNonNull(grace, "grace"));
    }

    @Override
    RetryingAlertQueue queue() {
        return queue;
    }

    @Override
    public String toString() {
        return "WebhookAlertSink[" + config.uri() + "]";
    }
}
