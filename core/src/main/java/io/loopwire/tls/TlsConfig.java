package io.loopwire.tls;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * TLS settings for a {@code TcpServer} or {@code TcpClient} ({@code builder.tls(config)}): where the
 * {@link SSLContext} comes from, the handshake timeout, client certificates and host name verification.
 *
 * <p>Always TLS 1.3 and 1.2 only (older versions are refused whatever the context allows), and no renegotiation.
 * The context is asked for each new connection, so a {@link CertificateReloader} as the supplier gives new
 * connections new certificates while established ones keep theirs.
 *
 * <p>The first handshake's computing (creating the engine, key exchange, signatures, the records' crypto, the session
 * ticket) runs on a small shared pool of daemon threads ({@link #delegatedTasks()}), never on the loop: the loop only
 * moves the handshake's bytes between socket and pool, so a flood of handshakes cannot stall its other connections.
 *
 * @implNote Immutable and thread-safe; one config may serve many servers and loops.
 */
public final class TlsConfig {
    /** How long a connection may take to finish its handshake by default. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** The only protocol versions ever enabled. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final Executor TASKS = newTaskPool();

    private final Supplier<SSLContext> contexts;
    private final boolean client;
    private final Duration handshakeTimeout;
    private final boolean needClientAuth;
    private final boolean verifyHostName;

    private TlsConfig(Builder b) {
        this.contexts = b.contexts;
        this.client = b.client;
        this.handshakeTimeout = b.handshakeTimeout;
        this.needClientAuth = b.needClientAuth;
        this.verifyHostName = b.verifyHostName;
    }

    /** A server side serving the certificate of {@code context}. */
    public static Builder server(SSLContext context) {
        Objects.requireNonNull(context, "context");
        return new Builder(() -> context, false);
    }

    /** A server side asking {@code contexts} for each new connection (a {@link CertificateReloader}, say). */
    public static Builder server(Supplier<SSLContext> contexts) {
        return new Builder(Objects.requireNonNull(contexts, "contexts"), false);
    }

    /** A client side trusting what {@code context} trusts (see {@link PemFiles#clientContext}). */
    public static Builder client(SSLContext context) {
        Objects.requireNonNull(context, "context");
        return new Builder(() -> context, true);
    }

    /** Whether connections made with this config are the client side of the handshake. */
    public boolean isClient() {
        return client;
    }

    /** How long a handshake may take before the connection is closed. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * A new engine for a connection with {@code peer}. A client engine checks that the server's certificate names
     * {@code peer}'s host string (unless {@link Builder#verifyHostName} turned it off) and sends it as SNI when it is
     * a name, not an address.
     */
    public SSLEngine newEngine(InetSocketAddress peer) {
        SSLContext context = Objects.requireNonNull(contexts.get(), "the SSLContext supplier returned null");
        SSLEngine engine;
        if (client) {
            String host = peer.getHostString();
            engine = context.createSSLEngine(host, peer.getPort());
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            if (verifyHostName) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            if (!isAddressLiteral(host)) {
                parameters.setServerNames(List.of(new SNIHostName(host)));
            }
            engine.setSSLParameters(parameters);
        } else {
            engine = context.createSSLEngine();
            engine.setUseClientMode(false);
            engine.setNeedClientAuth(needClientAuth);
        }
        engine.setEnabledProtocols(enabledProtocols(engine));
        return engine;
    }

    private static String[] enabledProtocols(SSLEngine engine) {
        List<String> supported = List.of(engine.getSupportedProtocols());
        String[] enabled = PROTOCOLS.stream().filter(supported::contains).toArray(String[]::new);
        if (enabled.length == 0) {
            throw new IllegalStateException("the SSLContext supports neither TLS 1.3 nor TLS 1.2: " + supported);
        }
        return enabled;
    }

    private static boolean isAddressLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /**
     * Where handshakes compute (each connection's handshake steps and the engine's delegated tasks): daemon threads,
     * one per processor at most, idle ones ending after a minute. Thread-safe.
     */
    public static Executor delegatedTasks() {
        return TASKS;
    }

    private static Executor newTaskPool() {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> {
                    Thread t = new Thread(task, "loopwire-tls-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    @Override
    public String toString() {
        return "TlsConfig[" + (client ? "client" : "server") + ", handshakeTimeout=" + handshakeTimeout
                + (needClientAuth ? ", client certificates required" : "")
                + (client && !verifyHostName ? ", host name not verified" : "") + ']';
    }

    /** Settings with defaults: a 10 s handshake timeout, no client certificates, host names verified. */
    public static final class Builder {
        private final Supplier<SSLContext> contexts;
        private final boolean client;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private boolean needClientAuth;
        private boolean verifyHostName = true;

        private Builder(Supplier<SSLContext> contexts, boolean client) {
            this.contexts = contexts;
            this.client = client;
        }

        /** How long a handshake may take; default 10 s. A peer still handshaking then is closed. */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshakeTimeout must be positive, was " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * Server side: require a client certificate that the context's trust managers accept (see
         * {@link PemFiles#serverContext(java.nio.file.Path, java.nio.file.Path, java.nio.file.Path)}). Default off.
         */
        public Builder needClientAuth(boolean need) {
            if (client && need) {
                throw new IllegalStateException("needClientAuth is for the server side");
            }
            this.needClientAuth = need;
            return this;
        }

        /**
         * Client side: check that the server's certificate names the host connected to; default on. Turn it off only
         * with a context that trusts nothing it should not (or for tests).
         */
        public Builder verifyHostName(boolean verify) {
            this.verifyHostName = verify;
            return this;
        }

        public TlsConfig build() {
            return new TlsConfig(this);
        }
    }
}
