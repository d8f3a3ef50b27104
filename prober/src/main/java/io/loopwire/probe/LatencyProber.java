package io.loopwire.probe;

import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.udp.UdpEndpoint;
import io.loopwire.wire.ProbePacket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Measures round-trip times to many UDP targets from one socket on a {@link Reactor}, without blocking; and, for
 * {@link ProbeKind#TCP} targets, the time to open a TCP connection (refused or timed out is a loss, its reason kept
 * as {@link ProbeTarget#lastFailure()}). All kinds share the statistics, classification and listeners.
 *
 * <p>Every {@code interval} each target gets one probe; send times are spread evenly across the interval so a
 * thousand targets do not go out in one burst. In {@link Mode#BINARY} a probe is a {@link ProbePacket} carrying this
 * prober's random id and a sequence number; replies are matched by both, so late, duplicate and foreign replies are
 * counted and never taken as fresh samples. In {@link Mode#TEXT} a probe is the original system's {@code ping},
 * answered by {@code ping}: one probe in flight per target, matched by the sender's address.
 *
 * <p>No reply within {@code timeout} is a loss, found by one periodic sweep. Each target's rounds reach the statistics,
 * the {@link Classifier} and the listener in the order the probes were <em>sent</em>: a reply is held until every
 * earlier probe of its target is answered or lost, so {@code downAfter} losses in a row are counted by send order
 * whatever later probes were answered first, and a stale reply never lands between fresher rounds. In text mode a
 * ping that timed out holds the next ping until its late reply arrives or another {@code timeout} has passed, so a
 * late reply is never taken for the answer to a newer ping.
 *
 * <p>The two modes differ only in what goes on
 * the wire and how a reply is matched ({@code BinaryProbes}, {@code TextProbes}); targets, statistics, classification
 * and listeners live here. Nothing on the probe path allocates in steady state.
 *
 * @implNote The builder is thread-safe; everything else runs on the reactor thread, listeners included.
 */
public final class LatencyProber implements AutoCloseable {
    /** How probes look on the wire. */
    public enum Mode {
        /** {@link ProbePacket}s matched by prober id and sequence (the default). */
        BINARY,
        /** {@code ping} / {@code ping}, for servers that only know the original protocol. */
        TEXT
    }

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    /**
     * SO_RCVBUF asked for the probing socket (the kernel caps it at net.core.rmem_max): replies from thousands of
     * targets arrive in bursts, and the system default (about 200 KiB) overflows while the loop thread is
     * descheduled.
     */
    public static final int DEFAULT_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
    /** In-flight probes at most (all targets together); a send that would exceed it is skipped and counted. */
    public static final int MAX_IN_FLIGHT = 1 << 20;

    private final Reactor reactor;
    private final UdpEndpoint endpoint;
    private final ProbeListener listener;
    private final long maxRounds;
    private final Duration sweep;
    private final Duration interval;
    private final ClassifierConfig config;
    private final Mode mode;
    private final int packetBytes;
    private final int windowRounds;
    private final TcpProbes tcp;

    /** The current targets; replaced as a whole by {@link #replaceTargets} (volatile: {@link #targets()}). */
    private volatile ProbeTarget[] targets;
    private ProbeProtocol protocol;
    /** The one timer that sends every target's probes, by {@link #schedule}. */
    private Timeout sendTimer;
    private SendSchedule schedule;
    private Timeout sweepTimer;
    private boolean started;
    private int finishedTargets;
    private boolean closed;
    private long late;
    private long duplicates;
    private long foreign;
    private long skipped;

    /** Validates the targets, then opens the probing socket (so a bad target never costs a socket). */
    private LatencyProber(Builder b, InetSocketAddress bind) throws IOException {
        this.reactor = b.reactor;
        this.listener = b.listener;
        this.maxRounds = b.rounds;
        this.interval = b.interval;
        this.config = b.config;
        this.mode = b.mode;
        this.packetBytes = b.packetBytes;
        this.windowRounds = b.windowRounds;
        install(b.targets, Map.of());
        long timeoutNanos = config.timeout().toNanos();
        long sweepNanos = Math.max(Duration.ofMillis(5).toNanos(),
                Math.min(Duration.ofMillis(100).toNanos(), timeoutNanos / 20));
        this.sweep = Duration.ofNanos(sweepNanos);
        this.endpoint = UdpEndpoint.builder(reactor)
                .bind(bind)
                .receiveBatch(256)
                .receiveBufferBytes(b.receiveBufferBytes)
                .handler(this::onDatagram)
                .start();
        this.tcp = new TcpProbes(this, reactor, config.timeout(), CertificateRecorder.trusting(b.tlsTrust));
    }

    /**
     * Builds the target array and the UDP protocol for {@code specs}, reusing the target objects (and so the history)
     * of {@code keep}. Throws before changing anything when a spec is given twice.
     */
    private List<ProbeTarget> install(List<TargetSpec> specs, Map<TargetSpec, ProbeTarget> keep) {
        Map<InetSocketAddress, ProbeTarget> byAddress = new HashMap<>();
        Map<String, TargetSpec> byName = new HashMap<>();
        java.util.Set<String> kindAddresses = new java.util.HashSet<>();
        for (TargetSpec spec : specs) {
            if (byName.putIfAbsent(spec.name(), spec) != null) {
                throw new IllegalArgumentException("target name " + spec.name() + " given twice");
            }
            if (!kindAddresses.add(spec.url())) {
                throw new IllegalArgumentException("target " + spec.url() + " given twice");
            }
        }
        ProbeTarget[] next = new ProbeTarget[specs.size()];
        List<ProbeTarget> added = new ArrayList<>();
        for (int i = 0; i < next.length; i++) {
            TargetSpec spec = specs.get(i);
            ProbeTarget kept = keep.get(spec);
            if (kept != null) {
                kept.index = i;
                next[i] = kept;
            } else {
                next[i] = new ProbeTarget(spec, i, config, windowRounds);
                added.add(next[i]);
            }
            if (spec.kind() == ProbeKind.UDP) {
                byAddress.put(spec.address(), next[i]);
            }
        }
        long timeoutNanos = config.timeout().toNanos();
        if (mode == Mode.TEXT) {
            this.protocol = new TextProbes(this, next, byAddress, timeoutNanos);
        } else {
            int n = Math.max(1, next.length);
            long perTarget = (timeoutNanos + interval.toNanos() - 1) / interval.toNanos() + 2;
            long wanted = Math.min(MAX_IN_FLIGHT, Math.max(64, perTarget * n));
            int capacity = Integer.highestOneBit((int) wanted - 1) << 1;
            // Each target's probes in send order: room for what one target can have in flight, plus slack for a
            // late sweep; a target that would exceed it skips a probe (counted), like a full ring.
            long perTargetWanted = Math.min(Math.min(capacity, 1 << 16), perTarget + 2);
            int perTargetCapacity = Integer.highestOneBit((int) perTargetWanted - 1) << 1;
            while (perTargetCapacity > 4 && (long) perTargetCapacity * n > 4 * MAX_IN_FLIGHT) {
                perTargetCapacity >>= 1;
            }
            // A fresh random id: replies to probes sent before a replacement count as foreign, never as samples.
            this.protocol = new BinaryProbes(this, next, new SecureRandom().nextInt(), timeoutNanos,
                    packetBytes, capacity, perTargetCapacity);
        }
        this.targets = next;
        return added;
    }

    public static Builder builder(Reactor reactor) {
        return new Builder(reactor);
    }

    /** Runs through {@code reactor.call}: on the loop, or on the builder's thread before the loop has started. */
    private void start() {
        scheduleTargets();
        sweepTimer = reactor.scheduleAtFixedRate(sweep, sweep, () -> protocol.expire(System.nanoTime()));
        started = true;
    }

    private void scheduleTargets() {
        if (sendTimer != null) {
            sendTimer.cancel();
        }
        schedule = new SendSchedule(interval, targets.length, System.nanoTime());
        sendTimer = reactor.scheduleAtFixedRate(Duration.ZERO, SendSchedule.tick(interval, targets.length),
                this::sendDue);
    }

    /** The send timer: sends the probes of every target that came due since the last tick. */
    private void sendDue() {
        final ProbeTarget[] all = targets;
        final SendSchedule s = schedule;
        final long now = System.nanoTime(); // one instant: at most the rest of a cycle and the next one's due part
        while (s.due(now)) {
            for (int i = s.from(), end = s.to(); i < end; i++) {
                sendProbe(all[i]);
            }
        }
    }

    /**
     * Replaces the targets by {@code specs}. A target whose spec is unchanged keeps its statistics, state and
     * history (the same {@link ProbeTarget} object); targets no longer listed are dropped, new ones start afresh,
     * and the listener hears of both ({@link ProbeListener#onTargetsChanged}). UDP probes in flight at the moment of
     * the replacement are forgotten: neither replies nor losses (their replies count as foreign); a TCP connect in
     * flight still reports its round. All sends are re-spread across the interval. On a bad set (a name or an
     * address given twice) the old targets stay and {@link IllegalArgumentException} is thrown.
     *
     * <p>Thread-safe: runs on the loop (through {@code reactor.call} from another thread).
     *
     * @return the targets now probed, in the order given
     */
    public List<ProbeTarget> replaceTargets(List<TargetSpec> specs) throws IOException {
        List<TargetSpec> copy = List.copyOf(specs);
        return reactor.call(() -> {
            if (closed) {
                throw new IllegalStateException("prober is closed");
            }
            Map<TargetSpec, ProbeTarget> old = new HashMap<>();
            for (ProbeTarget t : targets) {
                old.put(t.spec(), t);
            }
            List<ProbeTarget> added = install(copy, old);
            List<ProbeTarget> removed = new ArrayList<>();
            java.util.Set<ProbeTarget> now = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            now.addAll(Arrays.asList(targets));
            for (ProbeTarget t : old.values()) {
                if (!now.contains(t)) {
                    t.removed = true;
                    removed.add(t);
                }
            }
            if (started) {
                scheduleTargets();
            }
            listener.onTargetsChanged(added, removed);
            return targets();
        });
    }

    /** The targets, in the order given (the current set: see {@link #replaceTargets}). Any thread. */
    public List<ProbeTarget> targets() {
        return Collections.unmodifiableList(Arrays.asList(targets));
    }

    /** The socket probes leave from. */
    public InetSocketAddress localAddress() {
        return endpoint.localAddress();
    }

    /** Replies that came after their probe's timeout (already counted as losses). Reactor thread only. */
    public long late() {
        return late;
    }

    /** Second replies to one probe. Reactor thread only. */
    public long duplicates() {
        return duplicates;
    }

    /** Datagrams that were not replies to this prober's probes. Reactor thread only. */
    public long foreign() {
        return foreign;
    }

    /**
     * Probes not sent: one still in flight or held after a timeout (text mode), or an in-flight limit reached.
     * Reactor thread only.
     */
    public long skipped() {
        return skipped;
    }

    /** Sends one probe to {@code target} now. Runs from the send timer. */
    void sendProbe(ProbeTarget target) {
        if (closed || target.removed || (maxRounds > 0 && target.sent >= maxRounds)) {
            return;
        }
        if (target.kind() != ProbeKind.UDP) {
            if (tcp.probe(target)) {
                target.sent++;
                target.stats.recordSent();
            } else {
                skipped++;
            }
            return;
        }
        ByteBuffer probe = protocol.nextProbe(target, System.nanoTime());
        if (probe == null) {
            skipped++;
            return;
        }
        target.sent++;
        target.stats.recordSent();
        // A failed send (unreachable network, full queue) is counted by the endpoint; the timeout makes it a loss.
        endpoint.send(target.address(), probe);
    }

    /** The probing socket's handler (private, so it never shows on the public type). */
    private void onDatagram(UdpEndpoint from, InetSocketAddress sender, ByteBuffer data) {
        protocol.onReply(sender, data, System.nanoTime());
    }

    // ---- outcomes, reported by the protocol ----

    void foreignReply() {
        foreign++;
    }

    void duplicateReply(ProbeTarget target) {
        duplicates++;
        target.stats.recordDuplicate();
    }

    /** A reply after its probe was counted lost; {@code target} is null when the probe is too old to be known. */
    void lateReply(ProbeTarget target) {
        late++;
        if (target != null) {
            target.stats.recordLate();
        }
    }

    /**
     * A round answered. Protocols report rounds of one target in the order its probes were sent (a reply waits for
     * every earlier probe of its target to be answered or lost), so the classifier's "consecutive" is by send order.
     */
    void replied(ProbeTarget target, long rttNanos, long receivedAtNanos) {
        if (closed) {
            return;
        }
        target.lastFailure = null;
        target.stats.recordReply(rttNanos, receivedAtNanos);
        LinkState before = target.classifier.state();
        LinkState changed = target.classifier.onReply(rttNanos);
        roundEnded(target, rttNanos, before, changed);
    }

    /** A TLS target's certificate was first seen or changed. */
    void certificateChanged(ProbeTarget target) {
        if (!closed) {
            listener.onCertificate(target, target.certNotAfterMillis, target.certProblem);
        }
    }

    /** A round lost (no reply within the timeout), reported in send order like {@link #replied}. */
    void lost(ProbeTarget target, long sentAtNanos) {
        lost(target, sentAtNanos, TcpProbes.TIMEOUT);
    }

    /** A round lost for {@code reason} (a constant: {@link ProbeTarget#lastFailure()}). */
    void lost(ProbeTarget target, long sentAtNanos, String reason) {
        if (closed) {
            return;
        }
        target.lastFailure = reason;
        target.stats.recordLoss(sentAtNanos);
        LinkState before = target.classifier.state();
        LinkState changed = target.classifier.onLoss();
        roundEnded(target, -1, before, changed);
    }

    private void roundEnded(ProbeTarget target, long rttNanos, LinkState before, LinkState changed) {
        target.rounds++;
        LinkState now = target.classifier.state();
        listener.onRound(target, rttNanos, now);
        if (changed != null) {
            // The change quotes the rounds that confirmed it (their median), not just this one.
            listener.onStateChange(target, before, changed, target.classifier.changeRttNanos());
        }
        if (maxRounds > 0 && target.rounds == maxRounds && ++finishedTargets == targets.length) {
            listener.onFinished();
        }
    }

    /** Stops probing and closes the socket. Waits for the reactor when called from another thread. */
    @Override
    public void close() {
        try {
            reactor.call(() -> {
                closed = true;
                if (sendTimer != null) {
                    sendTimer.cancel();
                }
                if (sweepTimer != null) {
                    sweepTimer.cancel();
                }
                return null;
            });
        } catch (IOException e) {
            // the reactor is gone: so are the timers
        }
        endpoint.close();
        tcp.close();
    }

    /** Configuration of a {@link LatencyProber}. */
    public static final class Builder {
        private final Reactor reactor;
        private final List<TargetSpec> targets = new ArrayList<>();
        private InetSocketAddress bindAddress;
        private Duration interval = DEFAULT_INTERVAL;
        private ClassifierConfig config = ClassifierConfig.defaults();
        private Mode mode = Mode.BINARY;
        private int packetBytes = ProbePacket.HEADER_BYTES;
        private int windowRounds = ProbeStats.DEFAULT_WINDOW_ROUNDS;
        private long rounds;
        private int receiveBufferBytes = DEFAULT_RECEIVE_BUFFER_BYTES;
        private List<java.security.cert.X509Certificate> tlsTrust;
        private ProbeListener listener = new ProbeListener() {
        };

        private Builder(Reactor reactor) {
            this.reactor = Objects.requireNonNull(reactor, "reactor");
        }

        /** Adds a target named {@code host:port}. */
        public Builder target(InetSocketAddress address) {
            return target(address.getHostString() + ':' + address.getPort(), address);
        }

        /** Adds a UDP target. */
        public Builder target(String name, InetSocketAddress address) {
            return target(new TargetSpec(name, ProbeKind.UDP, address));
        }

        /** Adds a target of any kind, with its labels. */
        public Builder target(TargetSpec spec) {
            targets.add(Objects.requireNonNull(spec, "spec"));
            return this;
        }

        /** Where the probing socket binds; default loopback when every target is on loopback, else the wildcard. */
        public Builder bind(InetSocketAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** Time between two probes of one target; default 10 s. */
        public Builder interval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive, was " + interval);
            }
            this.interval = interval;
            return this;
        }

        /** Thresholds, timeout, down-after and confirm; default {@link ClassifierConfig#defaults()}. */
        public Builder classifier(ClassifierConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Size of a binary probe; default (and minimum) {@value ProbePacket#HEADER_BYTES}, at most 1472. */
        public Builder packetBytes(int bytes) {
            if (bytes < ProbePacket.HEADER_BYTES || bytes > ProbePacket.MAX_BYTES) {
                throw new IllegalArgumentException("packetBytes must be in " + ProbePacket.HEADER_BYTES + ".."
                        + ProbePacket.MAX_BYTES + ", was " + bytes);
            }
            this.packetBytes = bytes;
            return this;
        }

        /** Rounds in each target's rolling statistics window; default 100. */
        public Builder windowRounds(int rounds) {
            this.windowRounds = rounds;
            return this;
        }

        /** Stop after this many rounds per target (then {@link ProbeListener#onFinished}); 0 (default) = never. */
        public Builder rounds(long rounds) {
            if (rounds < 0) {
                throw new IllegalArgumentException("rounds must not be negative, was " + rounds);
            }
            this.rounds = rounds;
            return this;
        }

        /** SO_RCVBUF of the probing socket; default {@value #DEFAULT_RECEIVE_BUFFER_BYTES} (capped by the kernel). */
        public Builder receiveBufferBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("receiveBufferBytes must be at least 1024, was " + bytes);
            }
            this.receiveBufferBytes = bytes;
            return this;
        }

        /**
         * The CA certificates {@code tls://} targets' chains are checked against (e.g. from
         * {@code io.loopwire.tls.PemFiles.readCertificates}); default the JDK's trust store.
         */
        public Builder tlsTrust(List<java.security.cert.X509Certificate> cas) {
            if (cas.isEmpty()) {
                throw new IllegalArgumentException("tlsTrust needs at least one certificate");
            }
            this.tlsTrust = List.copyOf(cas);
            return this;
        }

        public Builder listener(ProbeListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Opens the socket and starts probing. */
        public LatencyProber start() throws IOException {
            if (targets.isEmpty()) {
                throw new IllegalStateException("at least one target is required");
            }
            InetSocketAddress bind = bindAddress;
            if (bind == null) {
                boolean allLoopback = targets.stream().allMatch(t -> t.address().getAddress().isLoopbackAddress());
                bind = allLoopback ? new InetSocketAddress(targets.get(0).address().getAddress(), 0)
                        : new InetSocketAddress(0);
            }
            LatencyProber prober = new LatencyProber(this, bind);
            reactor.call(() -> {
                prober.start();
                return null;
            });
            return prober;
        }
    }
}
