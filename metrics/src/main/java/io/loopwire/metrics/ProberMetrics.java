package io.loopwire.metrics;

import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeListener;
import io.loopwire.probe.ProbeStats;
import io.loopwire.probe.ProbeTarget;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LatencyProber}'s targets, tagged {@code target=<name>}: probes sent, replies, losses, late and duplicate
 * replies, an RTT histogram ({@code loopwire_probe_rtt_seconds}) and the current state as a labelled gauge
 * ({@code loopwire_probe_state{target,state}} is 1 for the state the target is in, 0 for the others). The same
 * figures under smokeping_prober's names and labels, so its Grafana dashboards work unchanged:
 * {@code smokeping_requests_total{host,ip}} and the histogram {@code smokeping_response_duration_seconds{host,ip}}
 * with smokeping_prober's default buckets (50 µs doubling to 26.2 s).
 *
 * <p>Use it as (one of) the prober's listeners, then {@link #watch} the started prober and bind it:
 * <pre>{@code
 * ProberMetrics metrics = new ProberMetrics(sampler);
 * LatencyProber prober = LatencyProber.builder(reactor).target(...).listener(ProbeListener.all(alerts, metrics)).start();
 * metrics.watch(prober).bindTo(registry);
 * }</pre>
 *
 * @implNote The listener methods run on the loop and allocate nothing: each reply's RTT goes into two pre-built
 *     Micrometer timers (thread-safe). Counters and states are read on the loop through the {@link LoopSampler}.
 *     Bind to one registry (use a composite registry for several).
 */
public final class ProberMetrics implements ProbeListener, MeterBinder {
    /** smokeping_prober's default buckets: {@code prometheus.ExponentialBuckets(0.00005, 2, 20)}, in seconds. */
    static final Duration[] SMOKEPING_BUCKETS = exponential(Duration.ofNanos(50_000), 20);

    private final LoopSampler sampler;
    private volatile LatencyProber prober;
    /** Written once at bind time, read on the loop; an IdentityHashMap get allocates nothing. */
    private volatile Map<ProbeTarget, Timer[]> timers = Map.of();

    public ProberMetrics(LoopSampler sampler) {
        this.sampler = Objects.requireNonNull(sampler, "sampler");
    }

    /** The prober whose targets {@link #bindTo} describes. */
    public ProberMetrics watch(LatencyProber prober) {
        this.prober = Objects.requireNonNull(prober, "prober");
        return this;
    }

    @Override
    public void onRound(ProbeTarget target, long rttNanos, LinkState state) {
        if (rttNanos < 0) {
            return;
        }
        Timer[] t = timers.get(target);
        if (t != null) {
            t[0].record(rttNanos, TimeUnit.NANOSECONDS);
            t[1].record(rttNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        LatencyProber p = prober;
        if (p == null) {
            throw new IllegalStateException("watch(prober) before bindTo");
        }
        if (!timers.isEmpty()) {
            throw new IllegalStateException("ProberMetrics is already bound; use a CompositeMeterRegistry");
        }
        Map<ProbeTarget, Timer[]> built = new IdentityHashMap<>();
        for (ProbeTarget target : p.targets()) {
            built.put(target, bindTarget(registry, target));
        }
        Tags none = Tags.empty();
        sampler.counter(registry, "loopwire.probe.foreign", "Datagrams that were not replies to our probes", null,
                none, p::foreign);
        sampler.counter(registry, "loopwire.probe.skipped", "Probes not sent (one in flight in text mode, or the "
                + "in-flight limit)", null, none, p::skipped);
        timers = built;
    }

    private Timer[] bindTarget(MeterRegistry registry, ProbeTarget target) {
        Tags tags = Tags.of("target", target.name());
        ProbeStats s = target.stats();
        sampler.counter(registry, "loopwire.probe.requests", "Probes sent", null, tags, s::sent);
        sampler.counter(registry, "loopwire.probe.replies", "Fresh replies (RTT samples)", null, tags, s::received);
        sampler.counter(registry, "loopwire.probe.losses", "Probes without a reply within the timeout", null, tags,
                s::lost);
        sampler.counter(registry, "loopwire.probe.late", "Replies after the timeout (already losses)", null, tags,
                s::late);
        sampler.counter(registry, "loopwire.probe.duplicates", "Second replies to one probe", null, tags,
                s::duplicates);
        int stateSlot = sampler.add(() -> {
            LinkState state = target.state();
            return state == null ? -1 : state.ordinal();
        });
        for (LinkState state : LinkState.values()) {
            Gauge.builder("loopwire.probe.state", sampler, x -> x.value(stateSlot) == state.ordinal() ? 1 : 0)
                    .description("1 for the target's current link state, 0 for the others")
                    .tags(tags.and("state", state.name())).strongReference(true).register(registry);
        }
        Timer rtt = Timer.builder("loopwire.probe.rtt").description("Round-trip time of fresh replies")
                .tags(tags).serviceLevelObjectives(SMOKEPING_BUCKETS).register(registry);

        // smokeping_prober's names: host is what the target is called, ip its address.
        Tags smokeping = Tags.of("host", target.name(), "ip", Addresses.ip(target.address()));
        sampler.counter(registry, "smokeping.requests", "Total number of ping requests sent", null, smokeping,
                s::sent);
        Timer response = Timer.builder("smokeping.response.duration").description("Ping round-trip time")
                .tags(smokeping).serviceLevelObjectives(SMOKEPING_BUCKETS).register(registry);
        return new Timer[] {rtt, response};
    }

    private static Duration[] exponential(Duration start, int count) {
        Duration[] buckets = new Duration[count];
        for (int i = 0; i < count; i++) {
            buckets[i] = start.multipliedBy(1L << i);
        }
        return buckets;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ProberMetrics[%s]", prober);
    }
}
