package io.loopwire.examples.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.loopwire.metrics.LoopSampler;
import io.loopwire.wire.PeerName;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * HTTP beside a loop, never on it: the JDK's {@link HttpServer} on {@value #THREADS} threads of its own. Serves
 * {@code /metrics} (Prometheus text, or OpenMetrics when the {@code Accept} header asks for it; the loop's values copied
 * in one task per scrape) and {@code /healthz} (200 when a task handed to the loop runs within {@link #HEALTH_WAIT},
 * else 503). More pages can be added with {@link #route}.
 *
 * @implNote Thread-safe. Handlers run on the HTTP threads; they reach loop state only through {@code reactor.call}.
 */
public final class HttpEndpoint implements AutoCloseable {
    /** Prometheus text exposition, the default. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics text, for a scraper whose Accept header names it (Prometheus does by default). */
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    /** Scrapes closer together than this share one copy of the loop's values: a scrape flood cannot busy the loop. */
    static final Duration MIN_COPY_AGE = Duration.ofMillis(100);
    /** How long /healthz waits for the loop to run a task. */
    public static final Duration HEALTH_WAIT = Duration.ofSeconds(5);
    /** HTTP threads: a scrape, a health check and a page poll can run at once without queuing behind each other. */
    static final int THREADS = 3;

    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    private final List<LoopSampler> samplers;
    /** More checks for /healthz: each returns null when healthy, else what is wrong. */
    private final List<Supplier<String>> healthChecks = new CopyOnWriteArrayList<>();

    private HttpEndpoint(HttpServer server, ExecutorService executor, PrometheusMeterRegistry registry,
            List<LoopSampler> samplers) {
        this.server = server;
        this.executor = executor;
        this.registry = registry;
        this.samplers = List.copyOf(samplers);
    }

    /**
     * Binds {@code address:port} (0 = any free port) and serves {@code /metrics} from {@code registry} (after
     * refreshing each sampler once) and {@code /healthz} for the loops of {@code samplers} (healthy when every one of
     * them runs a task in time).
     *
     * @throws IOException if the port cannot be bound
     */
    public static HttpEndpoint start(InetAddress address, int port, PrometheusMeterRegistry registry,
            List<LoopSampler> samplers) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 64);
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "loopwire-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        HttpEndpoint endpoint = new HttpEndpoint(server, executor, registry, samplers);
        endpoint.route("/metrics", endpoint::metrics);
        endpoint.route("/healthz", endpoint::health);
        server.start();
        return endpoint;
    }

    /**
     * Adds a check to {@code /healthz}: {@code check} returns null when all is well, else one line saying what is wrong
     * (then {@code /healthz} answers 503 with that line). Called on an HTTP thread; it must not block.
     */
    public void healthCheck(Supplier<String> check) {
        healthChecks.add(Objects.requireNonNull(check, "check"));
    }

    /** The bound address (the real port when 0 was asked). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code ip:port} of {@link #address()}. */
    public String hostPort() {
        return PeerName.of(address());
    }

    /** Serves {@code path} (and everything under it, unless a longer route matches) with {@code handler}. */
    public void route(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            // Not try-with-resources: it would close the exchange before the catch below could still answer.
            try {
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                    send(exchange, 405, "text/plain; charset=utf-8", "only GET\n".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                handler.handle(exchange);
            } catch (IOException | RuntimeException e) {
                // The loop is gone or stuck (reactor.call failed), or the client went away: say so if we still can.
                try {
                    send(exchange, 503, "text/plain; charset=utf-8",
                            ("unavailable: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException | RuntimeException alreadyAnswered) {
                    // headers already sent or the client is gone: closing the exchange is all there is
                }
            } finally {
                exchange.close();
            }
        });
    }

    private void metrics(HttpExchange exchange) throws IOException {
        for (LoopSampler sampler : samplers) {
            sampler.refreshIfOlderThan(MIN_COPY_AGE); // one copy per loop per scrape; the meters read it
        }
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        String type = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS_TEXT
                : PROMETHEUS_TEXT;
        ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
        registry.scrape(body, type);
        send(exchange, 200, type, body.toByteArray());
    }

    private void health(HttpExchange exchange) throws IOException {
        CountDownLatch ran = new CountDownLatch(samplers.size());
        boolean healthy;
        try {
            for (LoopSampler sampler : samplers) {
                sampler.reactor().execute(ran::countDown);
            }
            healthy = ran.await(HEALTH_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            healthy = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            healthy = false;
        }
        StringBuilder problems = new StringBuilder();
        if (!healthy) {
            problems.append("loop did not run a task within ").append(HEALTH_WAIT.toSeconds()).append(" s\n");
        }
        for (Supplier<String> check : healthChecks) {
            String problem = check.get();
            if (problem != null) {
                healthy = false;
                problems.append(problem).append('\n');
            }
        }
        byte[] body = (healthy ? "ok\n" : problems.toString()).getBytes(StandardCharsets.UTF_8);
        send(exchange, healthy ? 200 : 503, "text/plain; charset=utf-8", body);
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

    /** Stops serving (waits at most a second for exchanges in progress). */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }
}
