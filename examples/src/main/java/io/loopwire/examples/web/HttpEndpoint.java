package io.loopwire.examples.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.loopwire.Reactor;
import io.loopwire.metrics.LoopSampler;
import io.loopwire.metrics.ScrapeCache;
import io.loopwire.wire.PeerName;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP beside the loops, never on them: the JDK's {@link HttpServer} (or {@link HttpsServer} given an
 * {@link SSLContext}) with threads of its own. Serves:
 * <ul>
 *   <li>{@code /metrics}: Prometheus text, or OpenMetrics when the {@code Accept} header asks for it, rendered once per
 *       copy of the loops' values ({@link ScrapeCache}: at most one copy task per loop per {@link #MIN_COPY_AGE}, cached
 *       bytes in between); 503 naming the loop when a loop does not copy within {@link #COPY_WAIT}, never old numbers
 *       passed off as current;</li>
 *   <li>{@code /healthz}: 200 {@code ok}, or 503 with one line per problem ({@link LoopHealth}: a loop whose heartbeat
 *       task has waited longer than the stall bound, a closed loop, a named check's problem); answered at once from
 *       state kept by a heartbeat thread, never waiting for a loop; open without a token and not paced;</li>
 *   <li>{@code /}: an index linking the other pages, unless a page takes {@code /} ({@link #route});</li>
 *   <li>whatever {@link #route} adds.</li>
 * </ul>
 *
 * <p>Limits, so a slow or greedy client cannot blind it: the JDK server's own ({@link HttpLimits}: a request not in
 * within {@value HttpLimits#MAX_REQUEST_SECONDS} s or a response not read within
 * {@value HttpLimits#MAX_RESPONSE_SECONDS} s is closed, at most {@value HttpLimits#MAX_CONNECTIONS} connections); one
 * thread per connection at most (a half-sent request blocks its thread until that limit closes it, so threads are
 * bounded by connections and a request on another connection always finds one); every path but {@code /healthz} paced
 * to {@value #DEFAULT_REQUESTS_PER_SECOND} requests/s with a burst of {@value #BURST} ({@link RequestPacer}: a flood
 * waits instead of burning the CPU the loops share; a request whose turn is more than a second away gets 429).
 *
 * <p>With a {@link BearerToken}, every path but {@code /healthz} answers 401 without {@code Authorization: Bearer
 * <token>}.
 *
 * @implNote Thread-safe. Handlers run on the HTTP threads; they reach loop state only through {@code reactor.call} or
 *     {@code execute}.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);

    /** Prometheus text exposition, the default. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics text, for a scraper whose Accept header names it (Prometheus does by default). */
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    /** Scrapes closer together than this share one copy of the loops' values and one rendering. */
    static final Duration MIN_COPY_AGE = Duration.ofMillis(500);
    /** How long a scrape waits for each loop's copy before answering 503. */
    static final Duration COPY_WAIT = Duration.ofSeconds(1);
    /** Requests per second served on the paced paths (everything but /healthz). */
    static final int DEFAULT_REQUESTS_PER_SECOND = 100;
    /** Requests served at once before pacing starts. */
    static final int BURST = 20;
    /** A paced request whose turn is further away than this gets 429. */
    static final Duration MAX_PACING_WAIT = Duration.ofSeconds(1);
    private static final String TEXT = "text/plain; charset=utf-8";

    static {
        HttpLimits.apply(); // before this class can create the process's first HttpServer
    }

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final ScrapeCache scrapes;
    private final LoopHealth health;
    private final BearerToken token;
    private final RequestPacer pacer;
    private final boolean tls;
    private final List<String> pages = new CopyOnWriteArrayList<>();
    private volatile boolean indexServed;

    private HttpEndpoint(Builder b, HttpServer server, ThreadPoolExecutor executor, LoopHealth health) {
        this.server = server;
        this.executor = executor;
        this.health = health;
        this.scrapes = new ScrapeCache(b.registry::scrape, b.samplers, MIN_COPY_AGE, COPY_WAIT);
        this.token = b.token;
        this.pacer = new RequestPacer(b.requestsPerSecond, BURST, MAX_PACING_WAIT);
        this.tls = b.tls != null;
    }

    /** A builder serving {@code registry} for the loops of {@code samplers} (their reactors are also health-checked). */
    public static Builder builder(PrometheusMeterRegistry registry, List<LoopSampler> samplers) {
        return new Builder(registry, samplers);
    }

    /**
     * Binds {@code address:port} (0 = any free port), plain HTTP, no token, default limits.
     *
     * @throws IOException if the port cannot be bound
     */
    public static HttpEndpoint start(InetAddress address, int port, PrometheusMeterRegistry registry,
            List<LoopSampler> samplers) throws IOException {
        return builder(registry, samplers).bind(address, port).start();
    }

    /** The bound address (the real port when 0 was asked). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code ip:port} of {@link #address()}. */
    public String hostPort() {
        return PeerName.of(address());
    }

    /** {@code http://ip:port} or {@code https://ip:port}. */
    public String url() {
        return (tls ? "https://" : "http://") + hostPort();
    }

    /** The health check behind {@code /healthz}: add named checks to it. */
    public LoopHealth health() {
        return health;
    }

    /**
     * Serves {@code path} (and everything under it, unless a longer route matches) with {@code handler}: GET and HEAD
     * only, behind the token when there is one, paced. Routing {@code /} replaces the index.
     */
    public void route(String path, HttpHandler handler) {
        if ("/".equals(path) && indexServed) {
            server.removeContext("/");
            indexServed = false;
        }
        if (!"/".equals(path)) {
            pages.add(path);
        }
        server.createContext(path, guarded(handler, true));
    }

    private HttpHandler guarded(HttpHandler handler, boolean tokenAndPace) {
        return exchange -> {
            // Not try-with-resources: it would close the exchange before the catch below could still answer.
            try {
                String method = exchange.getRequestMethod();
                if (!"GET".equals(method) && !"HEAD".equals(method)) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    send(exchange, 405, TEXT, bytes("only GET\n"));
                    return;
                }
                if (tokenAndPace && token != null && !token.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"loopwire\"");
                    send(exchange, 401, TEXT, bytes("a bearer token is required\n"));
                    return;
                }
                if (tokenAndPace && !waitForTurn()) {
                    exchange.getResponseHeaders().set("Retry-After", "1");
                    send(exchange, 429, TEXT, bytes("too many requests\n"));
                    return;
                }
                handler.handle(exchange);
            } catch (IOException | RuntimeException e) {
                // The loop is gone or stuck (reactor.call failed), or the client went away: say so if we still can.
                try {
                    send(exchange, 503, TEXT, bytes("unavailable: " + e.getMessage() + "\n"));
                } catch (IOException | RuntimeException alreadyAnswered) {
                    // headers already sent or the client is gone: closing the exchange is all there is
                }
            } finally {
                exchange.close();
            }
        };
    }

    /** Waits for this request's paced slot; false when it is too far away. */
    private boolean waitForTurn() {
        long wait = pacer.reserve(System.nanoTime());
        if (wait < 0) {
            return false;
        }
        long until = System.nanoTime() + wait;
        for (long left = wait; left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left); // pacing, not synchronisation: the client is meant to wait
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
        return true;
    }

    private void metrics(HttpExchange exchange) throws IOException {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        String type = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS_TEXT
                : PROMETHEUS_TEXT;
        ScrapeCache.Scrape scrape = scrapes.get(type);
        if (scrape.ok()) {
            send(exchange, 200, type, scrape.body());
        } else {
            send(exchange, 503, TEXT, bytes("metrics unavailable: " + scrape.problem() + "\n"));
        }
    }

    private void healthz(HttpExchange exchange) throws IOException {
        List<String> problems = health.problems();
        if (problems.isEmpty()) {
            send(exchange, 200, TEXT, bytes("ok\n"));
        } else {
            send(exchange, 503, TEXT, bytes("unhealthy\n" + String.join("\n", problems) + "\n"));
        }
    }

    private void index(HttpExchange exchange) throws IOException {
        if (!"/".equals(exchange.getRequestURI().getPath())) {
            send(exchange, 404, TEXT, bytes("not found\n"));
            return;
        }
        StringBuilder html = new StringBuilder(512).append("<!doctype html>\n<html><head><meta charset=\"utf-8\">"
                + "<title>loopwire</title></head><body>\n<h1>loopwire</h1>\n<ul>\n");
        for (String page : pages) {
            html.append("<li><a href=\"").append(page).append("\">").append(page).append("</a></li>\n");
        }
        html.append("</ul>\n</body></html>\n");
        send(exchange, 200, "text/html; charset=utf-8", bytes(html.toString()));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes a whole response (no body for HEAD). */
    static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Stops serving (waits at most a second for exchanges in progress) and the health heartbeat. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
        health.close();
    }

    /**
     * Options of an {@link HttpEndpoint}.
     *
     * @implNote Not thread-safe; build on one thread.
     */
    public static final class Builder {
        private final PrometheusMeterRegistry registry;
        private final List<LoopSampler> samplers;
        private final Map<String, Supplier<? extends Collection<String>>> checks = new LinkedHashMap<>();
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port;
        private BearerToken token;
        private SSLContext tls;
        private Duration stall = LoopHealth.DEFAULT_STALL;
        private int requestsPerSecond = DEFAULT_REQUESTS_PER_SECOND;

        private Builder(PrometheusMeterRegistry registry, List<LoopSampler> samplers) {
            this.registry = Objects.requireNonNull(registry, "registry");
            this.samplers = List.copyOf(samplers);
            if (this.samplers.isEmpty()) {
                throw new IllegalArgumentException("no loops to serve");
            }
        }

        /** Where to listen (default 127.0.0.1, port 0 = any free port). */
        public Builder bind(InetAddress address, int port) {
            this.address = Objects.requireNonNull(address, "address");
            this.port = port;
            return this;
        }

        /** Requires this bearer token on every path but {@code /healthz} (null: none). */
        public Builder token(BearerToken token) {
            this.token = token;
            return this;
        }

        /** Serves HTTPS with this context (null: plain HTTP). */
        public Builder tls(SSLContext context) {
            this.tls = context;
            return this;
        }

        /** How long a loop's heartbeat may wait before /healthz says it is stuck (default 4 s). */
        public Builder stall(Duration stall) {
            this.stall = Objects.requireNonNull(stall, "stall");
            return this;
        }

        /** A named health check; its supplier returns problem lines (empty when fine) and must not block. */
        public Builder check(String name, Supplier<? extends Collection<String>> problems) {
            checks.put(name, problems);
            return this;
        }

        /** Requests per second on the paced paths (default {@value #DEFAULT_REQUESTS_PER_SECOND}). */
        public Builder pace(int perSecond) {
            this.requestsPerSecond = perSecond;
            return this;
        }

        /** @throws IOException if the port cannot be bound */
        public HttpEndpoint start() throws IOException {
            InetSocketAddress bindTo = new InetSocketAddress(address, port);
            HttpServer server;
            if (tls != null) {
                HttpsServer https = HttpsServer.create(bindTo, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                server = https;
            } else {
                server = HttpServer.create(bindTo, 64);
            }
            // At most one exchange per connection runs at a time, so one thread per allowed connection (and a few
            // for the moment a finished exchange's thread is not yet back) means a request never waits for a thread.
            int maxThreads = HttpLimits.maxConnections() > 0 ? HttpLimits.maxConnections() + 8 : 256;
            AtomicInteger n = new AtomicInteger();
            ThreadPoolExecutor executor = new ThreadPoolExecutor(2, maxThreads, 30, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), r -> {
                        Thread t = new Thread(r, "loopwire-http-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            server.setExecutor(executor); // a rejected exchange (all threads busy) has its connection closed by the JDK
            List<Reactor> loops = new ArrayList<>();
            for (LoopSampler sampler : samplers) {
                if (!loops.contains(sampler.reactor())) {
                    loops.add(sampler.reactor());
                }
            }
            LoopHealth health = new LoopHealth(loops, stall);
            checks.forEach(health::check);
            HttpEndpoint endpoint = new HttpEndpoint(this, server, executor, health);
            endpoint.route("/metrics", endpoint::metrics);
            server.createContext("/healthz", endpoint.guarded(endpoint::healthz, false));
            endpoint.pages.add("/healthz");
            server.createContext("/", endpoint.guarded(endpoint::index, true));
            endpoint.indexServed = true;
            server.start();
            if (token != null && tls == null) {
                log.warn("HTTP on {} takes a bearer token in the clear: anyone on the path can read it; serve HTTPS "
                        + "to keep it secret", endpoint.hostPort());
            }
            return endpoint;
        }
    }
}
