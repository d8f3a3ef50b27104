package io.loopwire.probe;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One address a {@link LatencyProber} measures, with its statistics and link state.
 *
 * @implNote {@link #name()} and {@link #address()} are immutable; {@link #stats()}, {@link #state()} and
 *     {@link #rounds()} belong to the prober's reactor thread (take a {@link ProbeStats#snapshot()} there to hand
 *     figures to another thread).
 */
public final class ProbeTarget {
    private final String name;
    private final InetSocketAddress address;
    final int index;
    final ProbeStats stats;
    final Classifier classifier;
    /** Rounds resolved (reply or loss). */
    long rounds;
    /** Probes sent. */
    long sent;
    Runnable sendTask;

    ProbeTarget(String name, InetSocketAddress address, int index, ClassifierConfig config, int windowRounds) {
        this.name = Objects.requireNonNull(name, "name");
        this.address = Objects.requireNonNull(address, "address");
        this.index = index;
        this.stats = new ProbeStats(windowRounds);
        this.classifier = new Classifier(config);
    }

    /** How the target is named in output and alerts ({@code host:port} unless given). */
    public String name() {
        return name;
    }

    public InetSocketAddress address() {
        return address;
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

    @Override
    public String toString() {
        return name;
    }
}
