package io.loopwire.alert;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how an HTTP alert sink ({@link AlertmanagerSink}, {@link WebhookAlertSink}) posts, and its delivery
 * limits. Build with {@link #builder(String)}; every value is checked once, with the limit in the error message.
 * Immutable, so safe to share between threads.
 */
public final class HttpAlertConfig {
    /** Default time to establish the connection. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default time for one whole request, response included: a hung endpoint costs at most this per attempt. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Default retries of one delivery after the first attempt. */
    public static final int DEFAULT_MAX_RETRIES = 10;
    /** Default first back-off; it doubles up to {@link #DEFAULT_MAX_BACKOFF}. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
    /** Default longest back-off. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(60);
    /** Default number of deliveries that may wait. */
    public static final int DEFAULT_QUEUE_CAPACITY = 100;
    /** Default period at which firing alerts are re-sent to Alertmanager (Prometheus's {@code resend-delay}). */
    public static final Duration DEFAULT_RESEND_INTERVAL = Duration.ofMinutes(1);
    /** Default time a resolved alert is still re-sent, so an Alertmanager that missed one push learns of it. */
    public static final Duration DEFAULT_RESOLVED_RETENTION = Duration.ofMinutes(15);

    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

    private final URI uri;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final int maxRetries;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final int queueCapacity;
    private final Duration resendInterval;
    private final Duration resolvedRetention;
    private final String externalUrl;

    private HttpAlertConfig(Builder b) {
        this.uri = parse(b.url);
        this.connectTimeout = checkTimeout("connectTimeout", b.connectTimeout);
        this.requestTimeout = checkTimeout("requestTimeout", b.requestTimeout);
        if (b.maxRetries < 0 || b.maxRetries > 1000) {
            throw new IllegalArgumentException("maxRetries must be between 0 and 1000: " + b.maxRetries);
        }
        this.maxRetries = b.maxRetries;
        if (b.initialBackoff.isNegative() || b.initialBackoff.isZero()
                || b.maxBackoff.compareTo(b.initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff must be positive with max >= initial: " + b.initialBackoff
                    + ", " + b.maxBackoff);
        }
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        if (b.queueCapacity < 1 || b.queueCapacity > 100_000) {
            throw new IllegalArgumentException("queueCapacity must be between 1 and 100000: " + b.queueCapacity);
        }
        this.queueCapacity = b.queueCapacity;
        if (b.resendInterval.compareTo(Duration.ofMillis(100)) < 0
                || b.resendInterval.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("resendInterval must be between 100ms and 1h: " + b.resendInterval);
        }
        this.resendInterval = b.resendInterval;
        if (b.resolvedRetention.isNegative() || b.resolvedRetention.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("resolvedRetention must be between 0 and 1d: " + b.resolvedRetention);
        }
        this.resolvedRetention = b.resolvedRetention;
        this.externalUrl = b.externalUrl == null ? "" : b.externalUrl;
    }

    private static URI parse(String url) {
        Objects.requireNonNull(url, "url");
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: '" + url + "': " + e.getMessage());
        }
        String scheme = u.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw new IllegalArgumentException("URL must start with http:// or https://, was '" + url + "'");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException("URL has no host: '" + url + "'");
        }
        if (u.getRawUserInfo() != null) {
            // Credentials in a URL end up in logs and process lists.
            throw new IllegalArgumentException("URL must not carry user:password@: '" + u.getHost() + "'");
        }
        return u;
    }

    private static Duration checkTimeout(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.compareTo(Duration.ofMillis(10)) < 0 || d.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException(name + " must be between 10ms and 5m: " + d);
        }
        return d;
    }

    /** Settings for posting to {@code url} (http or https, no credentials in it). */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    /** The URL as given: Alertmanager's base URL, or the webhook's full URL. */
    public URI uri() {
        return uri;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration requestTimeout() {
        return requestTimeout;
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

    /** How often firing alerts are re-sent to Alertmanager; their {@code endsAt} is four of these ahead. */
    public Duration resendInterval() {
        return resendInterval;
    }

    /** How long a resolved alert keeps being re-sent to Alertmanager. */
    public Duration resolvedRetention() {
        return resolvedRetention;
    }

    /** A link to the monitor (its live page), sent as {@code generatorURL} and {@code externalURL}; may be empty. */
    public String externalUrl() {
        return externalUrl;
    }

    @Override
    public String toString() {
        return "HttpAlertConfig[" + uri + " connect " + connectTimeout + " request " + requestTimeout + " retries "
                + maxRetries + " queue " + queueCapacity + "]";
    }

    /** Collects settings; {@link #build()} checks them. Not thread-safe. */
    public static final class Builder {
        private final String url;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private Duration resendInterval = DEFAULT_RESEND_INTERVAL;
        private Duration resolvedRetention = DEFAULT_RESOLVED_RETENTION;
        private String externalUrl;

        private Builder(String url) {
            this.url = url;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        public Builder maxRetries(int n) {
            this.maxRetries = n;
            return this;
        }

        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = Objects.requireNonNull(initial, "initial");
            this.maxBackoff = Objects.requireNonNull(max, "max");
            return this;
        }

        public Builder queueCapacity(int n) {
            this.queueCapacity = n;
            return this;
        }

        public Builder resendInterval(Duration d) {
            this.resendInterval = Objects.requireNonNull(d, "resendInterval");
            return this;
        }

        public Builder resolvedRetention(Duration d) {
            this.resolvedRetention = Objects.requireNonNull(d, "resolvedRetention");
            return this;
        }

        public Builder externalUrl(String url) {
            this.externalUrl = url;
            return this;
        }

        /** @throws IllegalArgumentException naming the bad value and its limit */
        public HttpAlertConfig build() {
            return new HttpAlertConfig(this);
        }
    }
}
