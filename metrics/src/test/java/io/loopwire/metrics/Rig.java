package io.loopwire.metrics;

import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;

/** A reactor (started by {@link #start}) with a chat server on free ports, its metrics bound to a Prometheus registry. */
final class Rig implements AutoCloseable {
    final Reactor reactor = new Reactor("metrics-test");
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final LoopSampler sampler = new LoopSampler(reactor);
    final ReactorMetrics reactorMetrics = new ReactorMetrics(sampler);
    final ChatServer server;

    Rig() throws Exception {
        this(b -> { });
    }

    /** With the chat server's builder adjusted by {@code configure} (ports stay 0). */
    Rig(java.util.function.Consumer<ChatServer.Builder> configure) throws Exception {
        ChatServer.Builder builder = ChatServer.builder(reactor).tcpPort(0).udpPort(0);
        configure.accept(builder);
        server = builder.start();
        reactorMetrics.bindTo(registry);
        new ChatServerMetrics(sampler, server).bindTo(registry);
    }

    /** Starts the loop (after the test has built what must exist before the first turn). */
    Rig start() {
        reactor.start();
        return this;
    }

    /** What an HTTP scrape does: one copy on the loop, then the text. */
    String scrapeText() {
        sampler.refresh();
        return registry.scrape();
    }

    PrometheusText scrape() {
        return PrometheusText.parse(scrapeText());
    }

    String tcpListener() {
        return "127.0.0.1:" + server.tcpAddress().getPort();
    }

    String udpEndpoint() {
        return "127.0.0.1:" + server.udpAddress().getPort();
    }

    static Map<String, String> labels(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Override
    public void close() {
        reactorMetrics.close();
        reactor.close();
    }
}
