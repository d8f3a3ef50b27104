package io.loopwire.alert;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends alerts by e-mail (plain text plus HTML) through simple-java-mail, an optional dependency of core.
 *
 * <p><b>Threading.</b> {@link #send(Alert)} may be called from any thread and never blocks on the network: it puts
 * the alert in a bounded queue and returns (it is called on the reactor thread). One daemon thread owned by the sink,
 * {@code loopwire-mail}, takes alerts from the queue and sends them one at a time, so a dead or stalled SMTP server
 * delays mail, never probing.
 *
 * <p><b>Delivery.</b> An alert counts as {@linkplain #sent() sent} only when the server accepted the message. A
 * failure that may pass (connection refused, timeout, 4xx reply) is retried up to
 * {@link EmailConfig#maxRetries()} times (default 10) with an exponential back-off (default 1 s doubling to 60 s,
 * about five minutes of outage); then the alert is given up and counted as {@linkplain #failed() failed}. A failure
 * that retrying cannot fix (authentication refused, a certificate rejected, STARTTLS missing while required, a 5xx
 * reply) is <b>not retried</b>: the alert is given up at once, and one clear ERROR naming {@code host:port} and the
 * server's reason is logged (later alerts failing the same way log at DEBUG until a mail goes through again). So a
 * wrong password costs one SMTP login per alert, never a retry storm.
 *
 * <p><b>Bounded queue.</b> At most {@link EmailConfig#queueCapacity()} alerts wait. When full, the oldest waiting
 * {@link AlertKind#REMINDER} is dropped first ({@link #droppedReminders()}), else the oldest alert
 * ({@link #dropped()}).
 *
 * <p>The parts: {@link EmailConfig} (settings), {@code RetryingAlertQueue} (queue, thread, retries; knows nothing of
 * SMTP) and {@code SmtpDelivery} (the simple-java-mail adapter). The password is never logged.
 */
public final class EmailAlertSink extends QueueBackedSink {

    private static final Logger log = LoggerFactory.getLogger(EmailAlertSink.class);

    private final EmailConfig config;
    private final String server;
    private final RetryingAlertQueue queue;

    /**
     * Builds the mailer, checks the addresses, and starts the {@code loopwire-mail} thread.
     *
     * @throws IllegalArgumentException if an address is not valid
     */
    public EmailAlertSink(EmailConfig config) {
        this(config, null);
    }

    /**
     * As above; {@code failures}, if not null, gets one short line for each alert given up (on the
     * {@code loopwire-mail} thread), e.g. {@code e-mail "[loopwire] db:5432 is DOWN" to ops@example.com failed after
     * 3 attempts: cannot connect to smtp.example.com:587 (Connection refused)}, and the sink then logs retries and
     * give-ups at DEBUG only, so that each failure is told once. A program with a console passes its printer here.
     *
     * @throws IllegalArgumentException if an address is not valid
     */
    public EmailAlertSink(EmailConfig config, Consumer<String> failures) {
        this.config = Objects.requireNonNull(config, "config");
        this.server = config.host() + ":" + config.port();
        SmtpDelivery smtp = new SmtpDelivery(config);
        if (config.trustAll()) {
            log.warn("SMTP {}: trusting any certificate (trust-all); use it only with test servers", server);
        }
        RetryingAlertQueue.GivenUp givenUp = failures == null ? null
                : (alert, attempts, why) -> failures.accept(failureLine(alert, attempts, why));
        this.queue = new RetryingAlertQueue(log, "SMTP " + server, smtp, config.queueCapacity(), config.maxRetries(),
                config.initialBackoff(), config.maxBackoff(), "loopwire-mail", false, givenUp);
    }

    private String failureLine(Alert alert, int attempts, String why) {
        return "e-mail \"" + alert.subject() + "\" to " + String.join(", ", config.to()) + " failed after " + attempts
                + (attempts == 1 ? " attempt: " : " attempts: ") + why;
    }

    /** Queues the alert for the mail thread and returns at once. Never blocks on the network. */
    @Override
    public void send(Alert alert) {
        queue.offer(alert);
    }

    /**
     * Sends what is queued (retrying as configured) for at most {@code grace}, then stops the mail thread. Alerts
     * not sent by then are counted as dropped. Returns within about {@code grace}, even if a send is stuck in a
     * socket read (that one ends by its read timeout on the daemon thread).
     */
    @Override
    public void close(Duration grace) {
        queue.close(Objects.requireNonNull(grace, "grace"));
    }

    @Override
    RetryingAlertQueue queue() {
        return queue;
    }

    /** SMTP send attempts made, first tries and retries together. */
    public long attempts() {
        return queue.attempts();
    }

    /** The configuration (its {@code toString} hides the password). */
    public EmailConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "EmailAlertSink[" + server + " " + config.security() + "]";
    }
}
