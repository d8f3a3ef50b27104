package io.loopwire.metrics;

import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeKind;
import io.loopwire.probe.ProbeListener;
import io.loopwire.probe.ProbeStats;
import io.loopwire.probe.ProbeTarget;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
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
 * with smokeping_prober's default buckets (50 µs doubling to 26.2 s), for the UDP echo targets.
 *
 * <p>Blackbox-style for the other kinds: {@code loopwire_probe_tcp_connect_seconds{target}} (the connect time of
 * {@code tcp://} targets, same buckets); for {@code tls://} targets
 * {@code loopwire_probe_tls_handshake_seconds{target}}
 * (connect plus handshake), {@code loopwire_probe_tls_cert_expiry_seconds{target}} (the leaf's notAfter, Unix
 * seconds, as blackbox's {@code probe_ssl_earliest_cert_expiry}) and {@code loopwire_probe_tls_cert_valid{target}}.
 * Every target also has {@code loopwire_probe_target_info{target,kind,ip}} = 1
 * and, per label it was given, {@code loopwire_probe_target_label{target,label,value}} = 1 (one series per label, so
 * targets with different label names never clash; join with {@code * on (target) group_left(value)}).
 * When the prober's targets are replaced, meters of new targets are registered and those of removed ones removed.
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
    /** Replaced as a whole (bind, target changes), read on the loop; an IdentityHashMap get allocates nothing. */
    private volatile Map<ProbeTarget, Timer[]> timers = Map.of();
    /** What each bound target's counters read: cleared when the target is removed, so its stats can be freed. */
    private final Map<ProbeTarget, Ref> refs = new IdentityHashMap<>();
    private MeterRegistry registry;

    /** The target a bound meter reads; null once the target is gone. Loop thread only. */
    private static final class Ref {
        ProbeTarget target;

        Ref(ProbeTarget target) {
            this.target = target;
        }

        long read(java.util.function.ToLongFunction<ProbeStats> f) {
            ProbeTarget t = target;
            return t == null ? 0 : f.applyAsLong(t.stats());
        }
    }

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

    /** Registers the new targets' meters and removes the removed ones'. Runs on the loop (rare: a reload). */
    @Override
    public synchronized void onTargetsChanged(List<ProbeTarget> added, List<ProbeTarget> removed) {
        if (registry == null) {
            return; // not bound yet: bindTo takes the targets as they are then
        }
        Map<ProbeTarget, Timer[]> next = new IdentityHashMap<>(timers);
        java.util.Set<String> gone = new java.util.HashSet<>();
        for (ProbeTarget target : removed) {
            next.remove(target);
            Ref ref = refs.remove(target);
            if (ref != null) {
                ref.target = null;
            }
            gone.add(target.name());
        }
        if (!gone.isEmpty()) {
            // One pass over the registry for all removed targets (their meters carry target= or, smokeping's, host=).
            for (Meter meter : List.copyOf(registry.getMeters())) {
                String owner = meter.getId().getTag("target");
                if (owner == null) {
                    owner = meter.getId().getTag("host");
                }
                if (owner != null && gone.contains(owner)) {
                    registry.remove(meter);
                }
            }
        }
        for (ProbeTarget target : added) {
            next.put(target, bindTarget(registry, target));
        }
        timers = next;
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
        this.registry = registry;
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
        Ref ref = new Ref(target);
        refs.put(target, ref);
        sampler.counter(registry, "loopwire.probe.requests", "Probes sent", null, tags,
                () -> ref.read(ProbeStats::sent));
        sampler.counter(registry, "loopwire.probe.replies", "Fresh replies (RTT samples)", null, tags,
                () -> ref.read(ProbeStats::received));
        sampler.counter(registry, "loopwire.probe.losses", "Probes without a reply within the timeout", null, tags,
                () -> ref.read(ProbeStats::lost));
        sampler.counter(registry, "loopwire.probe.late", "Replies after the timeout (already losses)", null, tags,
                () -> ref.read(ProbeStats::late));
        sampler.counter(registry, "loopwire.probe.duplicates", "Second replies to one probe", null, tags,
                () -> ref.read(ProbeStats::duplicates));
        int stateSlot = sampler.add(() -> {
            ProbeTarget t = ref.target;
            LinkState state = t == null ? null : t.state();
            return state == null ? -1 : state.ordinal();
        });
        Gauge.builder("loopwire.probe.target.info", () -> 1).description("1 for each target: its kind and address")
                .tags(tags.and("kind", target.kind().scheme(), "ip", Addresses.ip(target.address())))
                .strongReference(true).register(registry);
        for (Map.Entry<String, String> label : target.labels().entrySet()) {
            Gauge.builder("loopwire.probe.target.label", () -> 1)
                    .description("1 for each label a target was given (label name and value)")
                    .tags(tags.and("label", label.getKey(), "value", label.getValue()))
                    .strongReference(true).register(registry);
        }
        for (LinkState state : LinkState.values()) {
            Gauge.builder("loopwire.probe.state", sampler, x -> x.value(stateSlot) == state.ordinal() ? 1 : 0)
                    .description("1 for the target's current link state, 0 for the others")
                    .tags(tags.and("state", state.name())).strongReference(true).register(registry);
        }
        Timer rtt = Timer.builder("loopwire.probe.rtt").description("Round-trip time of fresh replies")
                .tags(tags).serviceLevelObjectives(SMOKEPING_BUCKETS).register(registry);

        if (target.kind() == ProbeKind.TCP) {
            Timer connect = Timer.builder("loopwire.probe.tcp.connect")
                    .description("Time to open a TCP connection (SYN to established)")
                    .tags(tags).serviceLevelObjectives(SMOKEPING_BUCKETS).register(registry);
            return new Timer[] {rtt, connect};
        }
        if (target.kind() == ProbeKind.TLS) {
            Timer handshake = Timer.builder("loopwire.probe.tls.handshake")
                    .description("Time to connect and complete the TLS handshake")
                    .tags(tags).serviceLevelObjectives(SMOKEPING_BUCKETS).register(registry);
            int expirySlot = sampler.add(() -> {
                ProbeTarget t = ref.target;
                return t == null ? -1 : t.certificateNotAfterMillis();
            });
            int validSlot = sampler.add(() -> {
                ProbeTarget t = ref.target;
                return t == null || t.certificateNotAfterMillis() < 0 ? -1 : t.certificateProblem() == null ? 1 : 0;
            });
            // Like blackbox's probe_ssl_earliest_cert_expiry: the leaf's notAfter as Unix seconds (NaN before one).
            Gauge.builder("loopwire.probe.tls.cert.expiry", sampler,
                    x -> x.value(expirySlot) < 0 ? Double.NaN : x.value(expirySlot) / 1000.0)
                    .description("Unix time the target's TLS leaf certificate expires").baseUnit("seconds")
                    .tags(tags).strongReference(true).register(registry);
            Gauge.builder("loopwire.probe.tls.cert.valid", sampler,
                    x -> x.value(validSlot) < 0 ? Double.NaN : x.value(validSlot))
                    .description("1 when the certificate chain and host name are valid, 0 when not")
                    .tags(tags).strongReference(true).register(registry);
            return new Timer[] {rtt, handshake};
        }
        // smokeping_prober's names: host is what the target is called, ip its address.
        Tags smokeping = Tags.of("host", target.name(), "ip", Addresses.ip(target.address()));
        sampler.counter(registry, "smokeping.requests", "Total number of ping requests sent", null, smokeping,
                () -> ref.read(ProbeStats::sent));
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
