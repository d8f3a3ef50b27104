package io.loopwire.examples.web;

import io.loopwire.Reactor;
import io.loopwire.metrics.LoopSampler;
import io.loopwire.metrics.ReactorMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.function.Function;

/**
 * The metrics of one reactor, composed the usual way: a Prometheus registry, the reactor's {@link LoopSampler}, its
 * {@link ReactorMetrics}, and whatever binders the command adds; {@link #serve} puts them on an {@link HttpEndpoint}.
 *
 * @implNote Set up before or after the reactor starts, from any thread.
 */
public final class LoopMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final LoopSampler sampler;

    public LoopMetrics(Reactor reactor) {
        this.sampler = new LoopSampler(reactor);
        new ReactorMetrics(sampler).bindTo(registry);
    }

    public LoopSampler sampler() {
        return sampler;
    }

    /** Binds the binder {@code make} builds from this reactor's sampler. */
    public LoopMetrics bindWith(Function<LoopSampler, MeterBinder> make) {
        make.apply(sampler).bindTo(registry);
        return this;
    }

    /** Binds a binder that needs no sampler. */
    public LoopMetrics bind(MeterBinder binder) {
        binder.bindTo(registry);
        return this;
    }

    /** Serves {@code /metrics} and {@code /healthz} on {@code address:port} (0 = any free port). */
    public HttpEndpoint serve(InetAddress address, int port) throws IOException {
        return endpoint(address, port).start();
    }

    /** An endpoint on {@code address:port} for this reactor, to configure (token, TLS, checks) and start. */
    public HttpEndpoint.Builder endpoint(InetAddress address, int port) {
        return HttpEndpoint.builder(registry, List.of(sampler)).bind(address, port);
    }
}
