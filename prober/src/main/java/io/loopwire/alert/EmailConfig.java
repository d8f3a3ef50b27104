package io.loopwire.alert;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * SMTP settings and delivery limits for {@link EmailAlertSink}. Build with {@link #builder()}; every value is checked
 * once, with the limit in the error message. Immutable, so safe to share between threads. The password is kept as a
 * copy, never logged, and shows as {@code ***} in {@link #toString()}.
 */
public final class EmailConfig {

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

    private EmailConfig(Builder b) {
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

    /** The password as Jakarta Mail wants it, or null; for the SMTP adapter only, never for logs. */
    String password() {
        return password == null ? null : new String(password);
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
        return "EmailConfig[" + host + ":" + port + " " + security
                + (username == null ? "" : " user=" + username) + (password == null ? "" : " password=***")
                + " from=" + from + " to=" + to + (trustAll ? " trustAll" : "") + " connectTimeout="
                + connectTimeout + " readTimeout=" + readTimeout + " maxRetries=" + maxRetries
                + " backoff=" + initialBackoff + ".." + maxBackoff + " queueCapacity=" + queueCapacity + "]";
    }


    /** Builds an {@link EmailConfig}; every value is checked by {@link #build()}. */
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

        /** Retries after a failure that may pass (default 10, 0 to 100). */
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
        public EmailConfig build() {
            return new EmailConfig(this);
        }
    }
}
