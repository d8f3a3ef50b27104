package io.loopwire.alert;

import io.loopwire.probe.LinkState;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes alerts to Alertmanager's API v2 ({@code POST <base>/api/v2/alerts}) the way Prometheus does: every push
 * carries every firing alert with {@code endsAt} four {@linkplain HttpAlertConfig#resendInterval() resend intervals}
 * ahead, and firing alerts are pushed again every resend interval, so Alertmanager keeps them while this process
 * lives and lets them expire if it dies. A recovered target's alert is sent with {@code endsAt} set to when it
 * recovered, and re-sent for the {@linkplain HttpAlertConfig#resolvedRetention() retention}, so one lost push does
 * not leave it firing. Labels and annotations: see {@code ActiveAlerts} (alertname {@code LoopwireTargetDown} or
 * {@code LoopwireTargetSlow}, target, name, state, severity, plus the target's own labels).
 *
 * <p><b>Threading.</b> {@link #send(Alert)} runs on the reactor: it updates the set of firing alerts (a short lock)
 * and asks for a push, never waiting for the network. Pushes run on the {@code loopwire-alertmanager} thread through
 * the same bounded, retrying queue as e-mail; at most one push waits at a time (later changes ride along with it, as
 * each push sends the whole current set). A daemon timer thread asks for the periodic re-send. A hung or failing
 * Alertmanager delays pushes, never probing; each attempt ends within the connect plus request timeouts.
 *
 * <p><b>Counting.</b> {@link #sent()} and the other counters count pushes (one push may carry many alerts, in
 * requests of at most {@value #MAX_ALERTS_PER_REQUEST}); {@link #alertsPosted()} counts alerts carried.
 */
public final class AlertmanagerSink extends QueueBackedSink {
    /** Alerts per request; a larger set goes out as several requests. */
    public static final int MAX_ALERTS_PER_REQUEST = 500;
    /** Resolved alerts remembered at most (on top of the firing ones, one per target). */
    static final int MAX_RESOLVED = 10_000;

    private static final Logger log = LoggerFactory.getLogger(AlertmanagerSink.class);

    private final HttpAlertConfig config;
    private final ActiveAlerts active;
    private final HttpPost post;
    private final RetryingAlertQueue queue;
    private final ScheduledExecutorService resender;
    private final AtomicBoolean pushQueued = new AtomicBoolean();
    private final AtomicLong alertsPosted = new AtomicLong();
    /** Queue thread only: the push being tried, to tell a retry from a new push. */
    private Alert pushing;

    /**
     * Starts the push thread and the re-send timer.
     *
     * @param config Alertmanager's base URL (e.g. {@code http://host:9093}) and the delivery limits
     * @param labels each target's extra labels ({@link TargetLabels#NONE} for none)
     */
    public AlertmanagerSink(HttpAlertConfig config, TargetLabels labels) {
        this.config = Objects.requireNonNull(config, "config");
        this.active = new ActiveAlerts(labels, config.resolvedRetention(), MAX_RESOLVED);
        this.post = new HttpPost(apiUri(config.uri()), config);
        this.queue = new RetryingAlertQueue(log, "Alertmanager " + post.uri(), this::push, config.queueCapacity(),
                config.maxRetries(), config.initialBackoff(), config.maxBackoff(), "loopwire-alertmanager", true);
        this.resender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loopwire-alertmanager-resend");
            t.setDaemon(true);
            return t;
        });
        long period = config.resendInterval().toMillis();
        resender.scheduleAtFixedRate(this::resend, period, period, TimeUnit.MILLISECONDS);
    }

    /** {@code base/api/v2/alerts}, keeping any path prefix of the base (an Alertmanager behind a proxy). */
    static URI apiUri(URI base) {
        String s = base.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return URI.create(s + "/api/v2/alerts");
    }

    /** Records the alert's changes and asks for a push; returns at once. */
    @Override
    public void send(Alert alert) {
        active.apply(alert);
        requestPush(alert);
    }

    private void requestPush(Alert reason) {
        if (pushQueued.compareAndSet(false, true)) {
            queue.offer(reason);
        }
    }

    /** Timer thread: pushes the current set again while anything fires or was resolved recently. */
    private void resend() {
        try {
            List<PushedAlert> all = active.snapshot(Instant.now());
            if (all.isEmpty()) {
                return;
            }
            List<TargetChange> lines = new ArrayList<>(Math.min(all.size(), 16));
            for (PushedAlert a : all) {
                if (a.isCertificate()) {
                    continue; // the reminder only names the push in the log; the push itself sends the whole set
                }
                LinkState now = a.firing() ? a.state() : LinkState.NORMAL;
                lines.add(new TargetChange(a.target(), a.state(), now, a.startsAt(), -1, "re-sent to Alertmanager"));
                if (lines.size() == 16) {
                    break;
                }
            }
            if (lines.isEmpty()) { // certificate alerts only
                PushedAlert a = all.get(0);
                requestPush(Alert.certificate(AlertKind.REMINDER, new CertificateChange(a.target(), a.certificate(),
                        a.firing() ? a.certificate() : CertificateState.VALID, a.startsAt(), null, "",
                        "re-sent to Alertmanager"), Instant.now(), ZoneOffset.UTC));
                return;
            }
            requestPush(new Alert(AlertKind.REMINDER, lines, Instant.now()));
        } catch (RuntimeException e) {
            log.error("Alertmanager re-send failed to queue", e); // keep the timer alive
        }
    }

    /** Queue thread: posts the whole current set, in requests of at most {@link #MAX_ALERTS_PER_REQUEST}. */
    private void push(Alert reason) throws AlertDelivery.Failure {
        if (reason != pushing) {
            // A new push (not a retry): changes from now on need another one; this one takes the set as it is now,
            // and so does each of its retries. So at most one push waits while one is tried.
            pushing = reason;
            pushQueued.set(false);
        }
        Instant now = Instant.now();
        List<PushedAlert> all = active.snapshot(now);
        Instant endsAt = now.plus(config.resendInterval().multipliedBy(4));
        for (int from = 0; from < all.size(); from += MAX_ALERTS_PER_REQUEST) {
            List<PushedAlert> part = all.subList(from, Math.min(all.size(), from + MAX_ALERTS_PER_REQUEST));
            post.post(json(part, endsAt, config.externalUrl()));
            alertsPosted.addAndGet(part.size());
        }
    }

    /** The API v2 body: an array of {@code {labels, annotations, startsAt, endsAt, generatorURL}}. */
    static String json(List<PushedAlert> alerts, Instant firingEndsAt, String generatorUrl) {
        JsonWriter w = new JsonWriter(256 * alerts.size() + 16).beginArray();
        for (PushedAlert a : alerts) {
            w.beginObject().name("labels").object(a.labels()).name("annotations").object(a.annotations())
                    .name("startsAt").value(PushedAlert.millis(a.startsAt()))
                    .name("endsAt").value(PushedAlert.millis(a.firing() ? firingEndsAt : a.endsAt()));
            if (!generatorUrl.isEmpty()) {
                w.name("generatorURL").value(generatorUrl);
            }
            w.endObject();
        }
        return w.endArray().toString();
    }

    /**
     * Stops the re-send timer, then pushes what is still waiting for at most {@code grace}. Firing alerts are not
     * resolved (a monitor that stops is not a recovery): Alertmanager lets them expire at their {@code endsAt}.
     */
    @Override
    public void close(Duration grace) {
        resender.shutdownNow();
        queue.close(Objects.requireNonNull(grace, "grace"));
    }

    @Override
    RetryingAlertQueue queue() {
        return queue;
    }

    /** Alerts carried by accepted requests (a firing alert counts once per push that carried it). */
    public long alertsPosted() {
        return alertsPosted.get();
    }

    /** Alerts firing now, one per target in a problem state. */
    public int firing() {
        return active.firingCount();
    }

    /** Where pushes go. */
    public URI endpoint() {
        return post.uri();
    }

    @Override
    public String toString() {
        return "AlertmanagerSink[" + post.uri() + "]";
    }
}
