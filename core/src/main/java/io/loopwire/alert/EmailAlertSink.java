package io.loopwire.alert;

import io.loopwire.probe.LinkState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.simplejavamail.MailException;
import org.simplejavamail.api.email.Email;
import org.simplejavamail.api.mailer.Mailer;
import org.simplejavamail.api.mailer.config.TransportStrategy;
import org.simplejavamail.email.EmailBuilder;
import org.simplejavamail.mailer.MailerBuilder;
import org.simplejavamail.mailer.internal.MailerRegularBuilderImpl;
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
 * failure that may pass (connection refused, timeout, 4xx reply) is retried up to {@code maxRetries} times with an
 * exponential back-off ({@code initialBackoff}, doubling, capped at {@code maxBackoff}); then the alert is given up
 * and counted as {@linkplain #failed() failed}. A failure that retrying cannot fix (authentication refused, a
 * certificate rejected, STARTTLS missing while required, a 5xx reply) is <b>not retried</b>: the alert is given up at
 * once, and one clear ERROR naming {@code host:port} and the server's reason is logged (later alerts failing the same
 * way log at DEBUG until a mail goes through again). So a wrong password costs one SMTP login per alert, never a
 * retry storm.
 *
 * <p><b>Bounded queue.</b> At most {@code queueCapacity} alerts wait. When full, the oldest waiting
 * {@link AlertKind#REMINDER} is dropped first ({@link #droppedReminders()}), else the oldest alert
 * ({@link #dropped()}).
 *
 * <p>The password is never logged and never appears in {@link Config#toString()}.
 */
public final class EmailAlertSink implements AlertSink {

    private static final Logger log = LoggerFactory.getLogger(EmailAlertSink.class);

    /** How the connection to the SMTP server is protected. */
    public enum Security {
        /** Plain connect, then STARTTLS, which the server must offer (default; usually port 587). */
        STARTTLS,
        /** Implicit TLS from the first byte, SMTPS (usually port 465). */
        TLS,
        /** No TLS at all, not even opportunistic: an explicit opt-out (usually port 25, or a local relay). */
        NONE;

        int defaultPort() {
            return switch (this) {
                case STARTTLS -> 587;
                case TLS -> 465;
                case NONE -> 25;
            };
        }
    }

    /** SMTP settings and delivery limits. Build with {@link #builder()}. Immutable. */
    public static final class Config {
        private final String host;
        private final int port;
        private final Security security;
        private final String username;
        private final char[] password;
        private final String from;
        private final List<String> to;
        private final boolean trustAll;
        private final Duration connectTimeout;
        private final Duration readTimeout;
        private final int maxRetries;
        private final Duration initialBackoff;
        private final Duration maxBackoff;
        private final int queueCapacity;

        private Config(Builder b) {
            if (b.host == null || b.host.isBlank()) {
                throw new IllegalArgumentException("SMTP host is required");
            }
            if (b.port < 0 || b.port > 65_535) {
                throw new IllegalArgumentException("SMTP port must be between 1 and 65535: " + b.port);
            }
            if (b.from == null || b.from.isBlank()) {
                throw new IllegalArgumentException("mail from address is required");
            }
            if (b.to.isEmpty()) {
                throw new IllegalArgumentException("at least one mail to address is required");
            }
            if (b.password != null && b.username == null) {
                throw new IllegalArgumentException("an SMTP password needs a username");
            }
            checkRange("connectTimeout", b.connectTimeout, Duration.ofMillis(100), Duration.ofMinutes(5));
            checkRange("readTimeout", b.readTimeout, Duration.ofMillis(100), Duration.ofMinutes(5));
            if (b.maxRetries < 0 || b.maxRetries > 100) {
                throw new IllegalArgumentException("maxRetries must be between 0 and 100: " + b.maxRetries);
            }
            checkRange("initialBackoff", b.initialBackoff, Duration.ofMillis(10), Duration.ofHours(1));
            checkRange("maxBackoff", b.maxBackoff, b.initialBackoff, Duration.ofHours(1));
            if (b.queueCapacity < 1 || b.queueCapacity > 100_000) {
                throw new IllegalArgumentException("queueCapacity must be between 1 and 100000: " + b.queueCapacity);
            }
            this.host = b.host;
            this.security = b.security;
            this.port = b.port == 0 ? b.security.defaultPort() : b.port;
            this.username = b.username;
            this.password = b.password == null ? null : b.password.clone();
            this.from = b.from;
            this.to = List.copyOf(b.to);
            this.trustAll = b.trustAll;
            this.connectTimeout = b.connectTimeout;
            this.readTimeout = b.readTimeout;
            this.maxRetries = b.maxRetries;
            this.initialBackoff = b.initialBackoff;
            this.maxBackoff = b.maxBackoff;
            this.queueCapacity = b.queueCapacity;
        }

        private static void checkRange(String name, Duration d, Duration min, Duration max) {
            Objects.requireNonNull(d, name);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ": " + d);
            }
        }

        /** A builder with the defaults: STARTTLS, 10 s timeouts, 10 retries from 1 s up to 60 s (about five minutes), 100 queued. */
        public static Builder builder() {
            return new Builder();
        }

        public String host() {
            return host;
        }

        public int port() {
            return port;
        }

        public Security security() {
            return security;
        }

        public String username() {
            return username;
        }

        /** Whether a password is set (the password itself is not readable back). */
        public boolean hasPassword() {
            return password != null;
        }

        public String from() {
            return from;
        }

        public List<String> to() {
            return to;
        }

        public boolean trustAll() {
            return trustAll;
        }

        public Duration connectTimeout() {
            return connectTimeout;
        }

        public Duration readTimeout() {
            return readTimeout;
        }

        public int maxRetries() {
            return maxRetries;
        }

        public Duration initialBackoff() {
            return initialBackoff;
        }

        public Duration maxBackoff() {
            return maxBackoff;
        }

        public int queueCapacity() {
            return queueCapacity;
        }

        /** Everything but the password, which shows as {@code ***} when set. */
        @Override
        public String toString() {
            return "EmailAlertSink.Config[" + host + ":" + port + " " + security
                    + (username == null ? "" : " user=" + username) + (password == null ? "" : " password=***")
                    + " from=" + from + " to=" + to + (trustAll ? " trustAll" : "") + " connectTimeout="
                    + connectTimeout + " readTimeout=" + readTimeout + " maxRetries=" + maxRetries
                    + " backoff=" + initialBackoff + ".." + maxBackoff + " queueCapacity=" + queueCapacity + "]";
        }
    }

    /** Builds a {@link Config}; every value is checked by {@link #build()}. */
    public static final class Builder {
        private String host;
        private int port;
        private Security security = Security.STARTTLS;
        private String username;
        private char[] password;
        private String from;
        private final ArrayList<String> to = new ArrayList<>();
        private boolean trustAll;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(10);
        private int maxRetries = 10; // with back-off 1 s doubling to 60 s: about five minutes of SMTP outage covered
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(60);
        private int queueCapacity = 100;

        private Builder() {
        }

        /** The SMTP server's host name or address (required). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** The SMTP port; 0 (default) means 587 for STARTTLS, 465 for TLS, 25 for NONE. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** STARTTLS (default, required), TLS (implicit) or NONE (explicit opt-out). */
        public Builder security(Security security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /** Log in as {@code username} with {@code password} (copied; clear your array afterwards). */
        public Builder credentials(String username, char[] password) {
            this.username = Objects.requireNonNull(username, "username");
            this.password = password == null ? null : password.clone();
            return this;
        }

        /** Log in as {@code username} with {@code password}. */
        public Builder credentials(String username, String password) {
            return credentials(username, password == null ? null : password.toCharArray());
        }

        /** The sender address (required), e.g. {@code monitor@example.com}. */
        public Builder from(String from) {
            this.from = from;
            return this;
        }

        /** Adds one or more recipients (at least one is required). */
        public Builder to(String... addresses) {
            for (String a : addresses) {
                to.add(Objects.requireNonNull(a, "to"));
            }
            return this;
        }

        /**
         * Accepts any server certificate and skips the host-name check (self-signed test servers); a warning is
         * logged once. Default off: the JVM's trust store and the host name decide.
         */
        public Builder trustAll(boolean trustAll) {
            this.trustAll = trustAll;
            return this;
        }

        /**
         * How long to wait for the TCP connection (default 10 s, 100 ms to 5 min). Keep it equal to the read timeout
         * unless needed: a distinct value makes simple-java-mail log one WARN when the sink is built.
         */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        /** How long to wait for each server reply or write (default 10 s, 100 ms to 5 min). */
        public Builder readTimeout(Duration d) {
            this.readTimeout = d;
            return this;
        }

        /** Retries after a failure that may pass (default 5, 0 to 100). */
        public Builder maxRetries(int n) {
            this.maxRetries = n;
            return this;
        }

        /** The first back-off (default 1 s) and the cap it doubles up to (default 60 s). */
        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /** How many alerts may wait (default 100, 1 to 100,000). */
        public Builder queueCapacity(int n) {
            this.queueCapacity = n;
            return this;
        }

        /** Checks every value and builds the configuration. */
        public Config build() {
            return new Config(this);
        }
    }

    private final Config config;
    private final Mailer mailer;
    private final String server;
    private final Thread thread;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Alert> queue = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private boolean closing;
    /** Guarded by {@link #lock}; meaningful once {@link #closing}. */
    private long closeDeadlineNanos;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedReminders = new AtomicLong();
    /** Mail thread only: the kind of permanent failure last logged at ERROR, so it is logged once. */
    private String permanentFailureLogged;

    /**
     * Builds the mailer, checks the addresses, and starts the {@code loopwire-mail} thread.
     *
     * @throws IllegalArgumentException if an address is not valid
     */
    public EmailAlertSink(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        this.server = config.host() + ":" + config.port();
        this.mailer = buildMailer(config);
        try {
            mailer.validate(toEmail(new Alert(AlertKind.CHANGE, List.of(new TargetChange("check", null,
                    LinkState.DOWN, Instant.EPOCH, -1, "")), Instant.EPOCH)));
        } catch (MailException e) {
            throw new IllegalArgumentException("invalid mail address in from=" + config.from() + " to=" + config.to()
                    + ": " + e.getMessage(), e);
        }
        if (config.trustAll()) {
            log.warn("SMTP {}: trusting any certificate (trust-all); use it only with test servers", server);
        }
        this.thread = new Thread(this::runMailThread, "loopwire-mail");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private static Mailer buildMailer(Config c) {
        TransportStrategy strategy = switch (c.security()) {
            case STARTTLS -> TransportStrategy.SMTP_TLS;
            case TLS -> TransportStrategy.SMTPS;
            case NONE -> TransportStrategy.SMTP;
        };
        String password = c.password == null ? null : new String(c.password); // Jakarta Mail wants a String
        MailerRegularBuilderImpl b = MailerBuilder.withSMTPServer(c.host(), c.port(), c.username(), password)
                .withTransportStrategy(strategy)
                .withSessionTimeout((int) c.readTimeout().toMillis())
                // simple-java-mail trusts every certificate unless told otherwise (DEFAULT_TRUST_ALL_HOSTS = true):
                // set both flags explicitly so that only trust-all accepts a self-signed or unknown certificate.
                .trustingAllHosts(c.trustAll())
                .verifyingServerIdentity(!c.trustAll());
        if (c.security() == Security.NONE) {
            // Its SMTP strategy tries STARTTLS when offered; NONE is an explicit opt-out of TLS.
            b.withProperty("mail.smtp.starttls.enable", "false");
        }
        Mailer m = b.buildMailer();
        if (!c.connectTimeout().equals(c.readTimeout())) {
            // simple-java-mail applies its one session timeout to connect, read and write, after any custom property;
            // a distinct connect timeout can only go into the built session (it logs a WARN once for that access).
            Properties p = m.getSession().getProperties();
            p.setProperty(strategy.propertyNameConnectionTimeout(), Long.toString(c.connectTimeout().toMillis()));
        }
        return m;
    }

    /** Queues the alert for the mail thread and returns at once. Never blocks on the network. */
    @Override
    public void send(Alert alert) {
        Objects.requireNonNull(alert, "alert");
        Alert evicted = null;
        boolean rejected = false;
        lock.lock();
        try {
            if (closing) {
                rejected = true;
            } else {
                if (queue.size() >= config.queueCapacity()) {
                    evicted = evictOne();
                }
                queue.addLast(alert);
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (rejected) {
            dropped.incrementAndGet();
            log.warn("mail alert sink for {} is closed; alert not sent: {}", server, alert.subject());
        } else if (evicted != null) {
            log.warn("mail queue for {} full ({} alerts); dropped the oldest {}: {}", server,
                    config.queueCapacity(), evicted.kind() == AlertKind.REMINDER ? "reminder" : "alert",
                    evicted.subject());
        }
    }

    /** Removes the oldest reminder, else the oldest alert. Called with the lock held and the queue full. */
    private Alert evictOne() {
        for (Iterator<Alert> it = queue.iterator(); it.hasNext(); ) {
            Alert a = it.next();
            if (a.kind() == AlertKind.REMINDER) {
                it.remove();
                droppedReminders.incrementAndGet();
                return a;
            }
        }
        dropped.incrementAndGet();
        return queue.pollFirst();
    }

    /**
     * Sends what is queued (retrying as configured) for at most {@code grace}, then stops the mail thread. Alerts
     * not sent by then are counted as dropped. Returns within about {@code grace}, even if a send is stuck in a
     * socket read (that one ends by its read timeout on the daemon thread).
     */
    @Override
    public void close(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        lock.lock();
        try {
            if (!closing) {
                closing = true;
                closeDeadlineNanos = System.nanoTime() + grace.toNanos();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(Math.max(1, grace.toMillis()) + 100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("mail thread for {} still busy after the {} grace; {} alerts left undelivered", server, grace,
                    pending());
        }
    }

    /** Alerts the server accepted. */
    public long sent() {
        return sent.get();
    }

    /** Alerts given up after their attempts or on a failure that retrying cannot fix. */
    public long failed() {
        return failed.get();
    }

    /** Retries made (attempts after the first, over all alerts). */
    public long retried() {
        return retried.get();
    }

    /** SMTP send attempts made, first tries and retries together. */
    public long attempts() {
        return attempts.get();
    }

    /** Alerts other than reminders dropped unsent: queue full, or still queued when closed. */
    public long dropped() {
        return dropped.get();
    }

    /** Reminders dropped because the queue was full. */
    public long droppedReminders() {
        return droppedReminders.get();
    }

    /** Alerts waiting in the queue (not counting one being sent). */
    public int pending() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** The configuration (its {@code toString} hides the password). */
    public Config config() {
        return config;
    }

    @Override
    public String toString() {
        return "EmailAlertSink[" + server + " " + config.security() + "]";
    }

    // ---- mail thread ----

    private void runMailThread() {
        try {
            Alert alert;
            while ((alert = next()) != null) {
                deliver(alert);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            int left;
            lock.lock();
            try {
                left = queue.size();
                queue.clear();
            } finally {
                lock.unlock();
            }
            if (left > 0) {
                dropped.addAndGet(left);
                log.warn("mail to {}: {} alerts still queued at close were not sent", server, left);
            }
        }
    }

    /** The next alert to send, or {@code null} when closed and drained or the close deadline passed. */
    private Alert next() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !closing) {
                changed.await();
            }
            if (queue.isEmpty() || (closing && System.nanoTime() - closeDeadlineNanos >= 0)) {
                return null;
            }
            return queue.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    private void deliver(Alert alert) throws InterruptedException {
        final Email email = toEmail(alert);
        long backoffNanos = config.initialBackoff().toNanos();
        for (int attempt = 1; ; attempt++) {
            attempts.incrementAndGet();
            long t0 = System.nanoTime();
            try {
                mailer.sendMail(email);
                sent.incrementAndGet();
                log.info("mail sent to {} via {} in {} ms: {}", config.to(), server,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), alert.subject());
                if (permanentFailureLogged != null) {
                    log.info("mail via {} works again", server);
                    permanentFailureLogged = null;
                }
                return;
            } catch (RuntimeException e) {
                final String reason = reason(e);
                final String permanent = permanentKind(e);
                if (permanent != null) {
                    failed.incrementAndGet();
                    if (!permanent.equals(permanentFailureLogged)) {
                        permanentFailureLogged = permanent;
                        log.error("mail via {} failed: {}: {}. Not retried (retrying cannot fix it); alert given up: "
                                + "{}", server, permanent, reason, alert.subject());
                    } else {
                        log.debug("mail via {} failed again ({}); alert given up: {}", server, permanent,
                                alert.subject());
                    }
                    return;
                }
                if (attempt > config.maxRetries()) {
                    failed.incrementAndGet();
                    log.error("mail via {} failed {} times, giving up: {}; alert: {}", server, attempt, reason,
                            alert.subject());
                    return;
                }
                log.warn("mail via {} failed (attempt {} of {}, after {} ms): {}; retrying in {} ms", server, attempt,
                        config.maxRetries() + 1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), reason,
                        TimeUnit.NANOSECONDS.toMillis(backoffNanos));
                if (!pause(backoffNanos)) {
                    failed.incrementAndGet();
                    log.error("mail via {}: closing before a retry could be made; alert given up: {}", server,
                            alert.subject());
                    return;
                }
                retried.incrementAndGet();
                backoffNanos = Math.min(backoffNanos * 2, config.maxBackoff().toNanos());
            }
        }
    }

    /** Waits {@code nanos} unless the close deadline comes first; false if it did. */
    private boolean pause(long nanos) throws InterruptedException {
        final long end = System.nanoTime() + nanos;
        lock.lock();
        try {
            while (true) {
                long now = System.nanoTime();
                if (closing && now - closeDeadlineNanos >= 0) {
                    return false;
                }
                if (now - end >= 0) {
                    return true;
                }
                long until = closing && closeDeadlineNanos - end < 0 ? closeDeadlineNanos : end;
                changed.awaitNanos(until - now);
            }
        } finally {
            lock.unlock();
        }
    }

    private Email toEmail(Alert alert) {
        return EmailBuilder.startingBlank()
                .from(config.from())
                .toMultiple(config.to())
                .withSubject(alert.subject())
                .withPlainText(alert.textBody())
                .withHTMLText(alert.htmlBody())
                .withHeader("X-Loopwire-Alert", alert.kind().name())
                .buildEmail();
    }

    /**
     * Names a failure that retrying cannot fix, or returns null. Checked by class name where the class belongs to
     * Jakarta Mail, so this file needs only simple-java-mail's API at compile time.
     */
    private static String permanentKind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String cls = t.getClass().getName();
            String msg = t.getMessage() == null ? "" : t.getMessage();
            if (cls.endsWith(".AuthenticationFailedException")) {
                return "authentication refused (check the user name and password)";
            }
            if (t instanceof java.security.cert.CertificateException
                    || t instanceof java.security.cert.CertPathValidatorException
                    || (t instanceof javax.net.ssl.SSLHandshakeException && msg.contains("PKIX"))) {
                return "server certificate rejected (wrong host name, or self-signed without trust-all)";
            }
            if (msg.contains("STARTTLS is required")) {
                return "the server does not offer STARTTLS, which is required";
            }
            if (cls.startsWith("org.simplejavamail.mailer.Mail") && cls.endsWith("Exception")) {
                return "the message is invalid";
            }
            // 5xx replies to MAIL FROM, RCPT TO or DATA are permanent by RFC 5321 (4.2.1).
            if (cls.contains("SendFailedException") || cls.endsWith("AddressFailedException")) {
                if (msg.length() >= 3 && msg.charAt(0) == '5' && Character.isDigit(msg.charAt(1))) {
                    return "the server refused the message";
                }
            }
        }
        return null;
    }

    /** The failure's messages from outermost to root cause, without the password should a server echo it. */
    private String reason(Throwable e) {
        StringBuilder sb = new StringBuilder();
        String last = null;
        int depth = 0;
        for (Throwable t = e; t != null && depth < 8; t = t.getCause() == t ? null : t.getCause(), depth++) {
            String msg = t.getMessage();
            if (msg == null || msg.equals(last) || (last != null && last.contains(msg))) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(" / ");
            }
            sb.append(t.getClass().getSimpleName()).append(": ").append(msg.strip());
            last = msg;
        }
        String s = sb.toString().replace('\n', ' ').replace('\r', ' ');
        if (config.password != null && config.password.length > 0) {
            s = s.replace(new String(config.password), "***");
        }
        return s;
    }
}
