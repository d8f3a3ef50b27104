package io.loopwire.probe;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * One address a {@link LatencyProber} measures, with its statistics and link state.
 *
 * @implNote {@link #name()}, {@link #kind()}, {@link #address()}, {@link #labels()} and {@link #spec()} are
 *     immutable; {@link #stats()}, {@link #state()}, {@link #rounds()} and {@link #lastFailure()} belong to the
 *     prober's reactor thread (take a {@link ProbeStats#snapshot()} there to hand figures to another thread).
 */
public final class ProbeTarget {
    private final TargetSpec spec;
    /** Position in the prober's current target array; changes when the targets are replaced. */
    int index;
    final ProbeStats stats;
    final Classifier classifier;
    /** Rounds resolved (reply or loss). */
    long rounds;
    /** Probes sent. */
    long sent;
    /** Why the last round was lost (null after a reply): a constant string, so recording it allocates nothing. */
    String lastFailure;
    /** The leaf certificate's notAfter (Unix millis) seen by the last TLS handshake, or -1. */
    long certNotAfterMillis = -1;
    /** Why that certificate is not valid (null when valid, or before a handshake). */
    String certProblem;
    /** A TCP connect of this target is in flight. */
    boolean connecting;
    /** No longer one of the prober's targets: outcomes still arriving for it are dropped. */
    boolean removed;

    ProbeTarget(TargetSpec spec, int index, ClassifierConfig config, int windowRounds) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.index = index;
        this.stats = new ProbeStats(windowRounds);
        this.classifier = new Classifier(config);
    }

    /** How the target is named in output and alerts ({@code host:port} unless given). */
    public String name() {
        return spec.name();
    }

    /** How it is probed. */
    public ProbeKind kind() {
        return spec.kind();
    }

    public InetSocketAddress address() {
        return spec.address();
    }

    /** The labels it was given (sorted by name; empty when none). */
    public Map<String, String> labels() {
        return spec.labels();
    }

    /** What it was built from. */
    public TargetSpec spec() {
        return spec;
    }

    /** This target's statistics. Reactor thread only. */
    public ProbeStats stats() {
        return stats;
    }

    /** The confirmed link state, or null before the first round. Reactor thread only. */
    public LinkState state() {
        return classifier.state();
    }

    /** Rounds finished (a reply or a loss). Reactor thread only. */
    public long rounds() {
        return rounds;
    }

    /**
     * Why the last round was lost: {@code timeout}, or for TCP {@code refused}, {@code unreachable} or
     * {@code error}; null when it was answered (or before the first round). Reactor thread only.
     */
    public String lastFailure() {
        return lastFailure;
    }

    /**
     * For {@code tls://}: the Unix time (millis) the server's leaf certificate expires, as seen by the last completed
     * handshake; -1 before one (or for the other kinds). Reactor thread only.
     */
    public long certificateNotAfterMillis() {
        return certNotAfterMillis;
    }

    /**
     * For {@code tls://}: why the server's certificate is not valid ({@code expired: ...}, {@code wrong host name:
     * ...}, {@code not trusted: ...}), or null when it is (or before a handshake). Expiring soon is not a problem
     * here: compare {@link #certificateNotAfterMillis()} with your own warning period. Reactor thread only.
     */
    public String certificateProblem() {
        return certProblem;
    }

    @Override
    public String toString() {
        return name();
    }
}
