package io.loopwire.examples.web;

import io.loopwire.Reactor;
import io.loopwire.metrics.GroupRoomMetrics;
import io.loopwire.metrics.LoopSampler;
import io.loopwire.metrics.ReactorMetrics;
import io.loopwire.relay.GroupRoom;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The metrics of one reactor, or of every loop of a group, composed the usual way: a Prometheus registry, each loop's
 * {@link LoopSampler} and {@link ReactorMetrics}, and whatever binders the command adds; {@link #serve} puts them on
 * an {@link HttpEndpoint}. Over a group every loop's meters carry {@code loop="<i>"}.
 *
 * @implNote Set up before or after the reactors start, from any thread.
 */
public final class LoopMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<LoopSampler> samplers = new ArrayList<>();
    private final List<GroupRoom> groupRooms = new ArrayList<>();

    /** One reactor (its meters tagged with its name, as ever). */
    public LoopMetrics(Reactor reactor) {
        add(new LoopSampler(reactor));
    }

    /** Every loop of a group, in loop order: loop {@code i}'s meters tagged {@code loop="<i>"}. */
    public LoopMetrics(List<Reactor> loops) {
        for (int i = 0; i < loops.size(); i++) {
            add(new LoopSampler(loops.get(i), i));
        }
    }

    private void add(LoopSampler sampler) {
        samplers.add(sampler);
        new ReactorMetrics(sampler).bindTo(registry);
    }

    /** The first (or only) loop's sampler. */
    public LoopSampler sampler() {
        return samplers.get(0);
    }

    /** Binds the binder {@code make} builds from the first (or only) loop's sampler. */
    public LoopMetrics bindWith(Function<LoopSampler, MeterBinder> make) {
        make.apply(sampler()).bindTo(registry);
        return this;
    }

    /** Binds, for every loop, the binder {@code make} builds from the loop's index and sampler. */
    public LoopMetrics bindEach(BiFunction<Integer, LoopSampler, MeterBinder> make) {
        for (int i = 0; i < samplers.size(); i++) {
            make.apply(i, samplers.get(i)).bindTo(registry);
        }
        return this;
    }

    /**
     * The hand-over between the loops of {@code room}: its meters ({@link GroupRoomMetrics}), and a {@code /healthz}
     * check that fails, naming them, while loops are stalled.
     */
    public LoopMetrics bindGroup(GroupRoom room) {
        new GroupRoomMetrics(room).bindTo(registry);
        groupRooms.add(room);
        return this;
    }

    /** Binds a binder that needs no sampler. */
    public LoopMetrics bind(MeterBinder binder) {
        binder.bindTo(registry);
        return this;
    }

    /** Serves {@code /metrics} and {@code /healthz} (every loop must run a task) on {@code address:port} (0 = any). */
    public HttpEndpoint serve(InetAddress address, int port) throws IOException {
        return endpoint(address, port).start();
    }

    /**
     * An endpoint on {@code address:port} for these loops, to configure (token, TLS, checks) and start. With a group
     * room bound, {@code /healthz} also fails, naming them, while loops are stalled.
     */
    public HttpEndpoint.Builder endpoint(InetAddress address, int port) {
        HttpEndpoint.Builder endpoint = HttpEndpoint.builder(registry, samplers).bind(address, port);
        for (GroupRoom room : groupRooms) {
            endpoint.check("loop hand-over", () -> {
                List<Integer> stalled = room.stalledLoops();
                return stalled.isEmpty() ? List.of()
                        : List.of("stalled loop(s) " + stalled + ": lines for them are being dropped");
            });
        }
        return endpoint;
    }
}
