package io.loopwire.alert;

import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeListener;
import io.loopwire.probe.ProbeTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Connects a {@code LatencyProber} to an {@link AlertPolicy}: confirmed state changes go to the policy, which is
 * ticked once a second on the same reactor; with a {@link CertificatePolicy}, {@code tls://} targets' certificates go
 * to it (ticked likewise); every callback is also passed on to {@code next} (for printing).
 *
 * @implNote Runs on the prober's reactor thread, like the policy it drives. {@link #flush()} too; call it through
 *     {@code reactor.call} from elsewhere.
 */
public final class AlertingListener implements ProbeListener, AutoCloseable {
    private static final Duration TICK = Duration.ofSeconds(1);

    private final AlertPolicy policy;
    private final CertificatePolicy certificates;
    private final ProbeListener next;
    private final Timeout ticker;

    /** Link-state alerts only: certificates are passed on to {@code next} and not alerted. */
    public AlertingListener(Reactor reactor, AlertPolicy policy, ProbeListener next) {
        this(reactor, policy, null, next);
    }

    /** Link-state alerts by {@code policy}, certificate alerts by {@code certificates} (null for none). */
    public AlertingListener(Reactor reactor, AlertPolicy policy, CertificatePolicy certificates, ProbeListener next) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.certificates = certificates;
        this.next = Objects.requireNonNull(next, "next");
        this.ticker = reactor.scheduleAtFixedRate(TICK, TICK, this::tick);
    }

    private void tick() {
        Instant now = Instant.now();
        policy.tick(now);
        if (certificates != null) {
            certificates.tick(now);
        }
    }

    @Override
    public void onRound(ProbeTarget target, long rttNanos, LinkState state) {
        next.onRound(target, rttNanos, state);
    }

    @Override
    public void onStateChange(ProbeTarget target, LinkState from, LinkState to, long rttNanos) {
        next.onStateChange(target, from, to, rttNanos);
        policy.onStateChange(target.name(), from, to, Instant.now(), rttNanos);
    }

    @Override
    public void onTargetsChanged(List<ProbeTarget> added, List<ProbeTarget> removed) {
        next.onTargetsChanged(added, removed);
        // A target whose spec changed under the same name is removed and added: it keeps its alerting state.
        Set<String> kept = new HashSet<>();
        added.forEach(t -> kept.add(t.name()));
        List<String> gone = removed.stream().map(ProbeTarget::name).filter(name -> !kept.contains(name)).toList();
        if (gone.isEmpty()) {
            return;
        }
        Instant now = Instant.now();
        policy.remove(gone, now);
        if (certificates != null) {
            gone.forEach(name -> certificates.remove(name, now));
        }
    }

    @Override
    public void onCertificate(ProbeTarget target, long notAfterMillis, String problem) {
        next.onCertificate(target, notAfterMillis, problem);
        if (certificates != null) {
            certificates.onCertificate(target.name(), notAfterMillis, problem, Instant.now());
        }
    }

    @Override
    public void onFinished() {
        next.onFinished();
    }

    /** Sends the batch still waiting for its group wait (on shutdown, so nothing is lost). Reactor thread only. */
    public void flush() {
        policy.flush(Instant.now());
    }

    /** Stops ticking the policy. */
    @Override
    public void close() {
        ticker.cancel();
    }
}
