package io.loopwire.alert;

import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeListener;
import io.loopwire.probe.ProbeTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Connects a {@code LatencyProber} to an {@link AlertPolicy}: confirmed state changes go to the policy, which is
 * ticked once a second on the same reactor; every callback is also passed on to {@code next} (for printing).
 *
 * @implNote Runs on the prober's reactor thread, like the policy it drives. {@link #flush()} too; call it through
 *     {@code reactor.call} from elsewhere.
 */
public final class AlertingListener implements ProbeListener, AutoCloseable {
    private static final Duration TICK = Duration.ofSeconds(1);

    private final AlertPolicy policy;
    private final ProbeListener next;
    private final Timeout ticker;

    public AlertingListener(Reactor reactor, AlertPolicy policy, ProbeListener next) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.next = Objects.requireNonNull(next, "next");
        this.ticker = reactor.scheduleAtFixedRate(TICK, TICK, () -> policy.tick(Instant.now()));
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
    public void onTargetsChanged(java.util.List<ProbeTarget> added, java.util.List<ProbeTarget> removed) {
        next.onTargetsChanged(added, removed);
    }

    @Override
    public void onCertificate(ProbeTarget target, long notAfterMillis, String problem) {
        next.onCertificate(target, notAfterMillis, problem);
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
