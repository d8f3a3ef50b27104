package io.loopwire.probe;

import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.udp.UdpEndpoint;
import io.loopwire.udp.UdpHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Measures round-trip times to many UDP targets from one socket on a {@link Reactor}, without blocking.
 *
 * <p>Every {@code interval} each target gets one probe; send times are spread evenly across the interval so a
 * thousand targets do not go out in one burst. In {@link Mode#BINARY} a probe is a {@link ProbePacket} carrying this
 * prober's random id and a sequence number; replies are matched by both, so late, duplicate and foreign replies are
 * counted and never taken as fresh samples. In {@link Mode#TEXT} a probe is the original system's {@code ping},
 * answered by {@code ping}: one probe in flight per target, matched by the sender's address.
 *
 * <p>No reply within {@code timeout} is a loss. Since every probe has the same timeout, probes expire in the order
 * they were sent: in-flight probes live in one ring indexed by sequence number, and one periodic sweep retires
 * expired ones from its head. Nothing on the probe path allocates in steady state.
 *
 * @implNote The builder is thread-safe; everything else runs on the reactor thread, listeners included.
 */
public final class LatencyProber implements UdpHandler, AutoCloseable {
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

    private static final byte FREE = 0;
    private static final byte IN_FLIGHT = 1;
    private static final byte ANSWERED = 2;
    private static final byte LOST = 3;
    private static final byte[] PING = {'p', 'i', 'n', 'g'};

    private final Reactor reactor;
    /** Set once by the builder, right after construction and before the first probe. */
    private UdpEndpoint endpoint;
    private final ProbeTarget[] targets;
    private final Map<InetSocketAddress, ProbeTarget> byAddress = new HashMap<>();
    private final ProbeListener listener;
    private final Mode mode;
    private final int proberId;
    private final long timeoutNanos;
    private final long maxRounds;
    private final int packetBytes;
    private final ByteBuffer probe;
    private final ByteBuffer ping = ByteBuffer.wrap(PING).asReadOnlyBuffer();

    /** Ring of probes by sequence: slot = sequence & mask. Sequences in [oldest, next) may be in flight. */
    private final long[] flightSequence;
    private final long[] flightSentNanos;
    private final int[] flightTarget;
    private final byte[] flightState;
    private final int mask;
    private long nextSequence = 1;
    private long oldestSequence = 1;

    private final List<Timeout> timers = new ArrayList<>();
    private int finishedTargets;
    private boolean closed;
    private long late;
    private long duplicates;
    private long foreign;
    private long skipped;

    private LatencyProber(Builder b) {
        this.reactor = b.reactor;
        this.listener = b.listener;
        this.mode = b.mode;
        this.proberId = new SecureRandom().nextInt();
        this.timeoutNanos = b.config.timeout().toNanos();
        this.maxRounds = b.rounds;
        this.packetBytes = b.packetBytes;
        this.probe = ByteBuffer.allocateDirect(packetBytes);
        this.targets = new ProbeTarget[b.targets.size()];
        for (int i = 0; i < targets.length; i++) {
            Builder.TargetSpec spec = b.targets.get(i);
            targets[i] = new ProbeTarget(spec.name, spec.address, i, b.config, b.windowRounds);
            if (byAddress.putIfAbsent(spec.address, targets[i]) != null) {
                throw new IllegalArgumentException("target " + spec.address + " given twice");
            }
        }
        long perTarget = (timeoutNanos + b.interval.toNanos() - 1) / b.interval.toNanos() + 2;
        long wanted = Math.min(MAX_IN_FLIGHT, Math.max(64, perTarget * targets.length));
        int capacity = Integer.highestOneBit((int) wanted - 1) << 1;
        this.mask = capacity - 1;
        this.flightSequence = new long[capacity];
        this.flightSentNanos = new long[capacity];
        this.flightTarget = new int[capacity];
        this.flightState = new byte[capacity];
    }

    public static Builder builder(Reactor reactor) {
        return new Builder(reactor);
    }

    private void start(Duration interval) {
        long intervalNanos = interval.toNanos();
        for (ProbeTarget target : targets) {
            target.sendTask = () -> sendProbe(target);
            Duration offset = Duration.ofNanos(intervalNanos / targets.length * target.index);
            timers.add(reactor.scheduleAtFixedRate(offset, interval, target.sendTask));
        }
        long sweepNanos = Math.max(Duration.ofMillis(5).toNanos(),
                Math.min(Duration.ofMillis(100).toNanos(), timeoutNanos / 20));
        timers.add(reactor.scheduleAtFixedRate(Duration.ofNanos(sweepNanos), Duration.ofNanos(sweepNanos),
                this::expire));
    }

    /** The targets, in the order given. */
    public List<ProbeTarget> targets() {
        return Collections.unmodifiableList(java.util.Arrays.asList(targets));
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

    /** Probes not sent: one still in flight (text mode) or the in-flight limit reached. Reactor thread only. */
    public long skipped() {
        return skipped;
    }

    /** Sends one probe to {@code target} now. Runs from the target's timer. */
    void sendProbe(ProbeTarget target) {
        if (closed || (maxRounds > 0 && target.sent >= maxRounds)) {
            return;
        }
        long now = System.nanoTime();
        if (mode == Mode.TEXT) {
            if (target.textSentNanos >= 0) {
                skipped++; // the protocol cannot tell two pings apart: one in flight at most
                return;
            }
            target.textSentNanos = now;
            ping.clear();
            send(target, ping);
            return;
        }
        if (nextSequence - oldestSequence > mask) {
            skipped++;
            return;
        }
        long sequence = nextSequence++;
        int slot = (int) (sequence & mask);
        flightSequence[slot] = sequence;
        flightSentNanos[slot] = now;
        flightTarget[slot] = target.index;
        flightState[slot] = IN_FLIGHT;
        probe.clear();
        ProbePacket.encode(probe, proberId, sequence, now, packetBytes);
        probe.flip();
        send(target, probe);
    }

    private void send(ProbeTarget target, ByteBuffer packet) {
        target.sent++;
        target.stats.recordSent();
        // A failed send (unreachable network, full queue) is counted by the endpoint; the timeout makes it a loss.
        endpoint.send(target.address(), packet);
    }

    @Override
    public void onDatagram(UdpEndpoint endpoint, InetSocketAddress sender, ByteBuffer data) {
        long now = System.nanoTime();
        if (mode == Mode.TEXT) {
            onTextReply(sender, data, now);
        } else {
            onBinaryReply(sender, data, now);
        }
    }

    private void onBinaryReply(InetSocketAddress sender, ByteBuffer data, long now) {
        if (!ProbePacket.isProbeFrom(data, proberId)) {
            foreign++;
            return;
        }
        long sequence = ProbePacket.sequence(data);
        int slot = (int) (sequence & mask);
        if (sequence <= 0 || sequence >= nextSequence || flightSequence[slot] != sequence
                || !targets[flightTarget[slot]].address().equals(sender)) {
            // Never sent, or so old its slot was reused (then it is late), or from the wrong address.
            if (sequence > 0 && sequence < oldestSequence && flightSequence[slot] != sequence) {
                late++;
            } else {
                foreign++;
            }
            return;
        }
        ProbeTarget target = targets[flightTarget[slot]];
        switch (flightState[slot]) {
            case IN_FLIGHT -> {
                long rtt = now - flightSentNanos[slot];
                if (rtt > timeoutNanos) {
                    // Past the timeout but not swept yet: a loss, and a late reply.
                    flightState[slot] = LOST;
                    lost(target, flightSentNanos[slot]);
                    lateReply(target);
                } else {
                    flightState[slot] = ANSWERED;
                    replied(target, rtt, now);
                }
            }
            case ANSWERED -> {
                duplicates++;
                target.stats.recordDuplicate();
            }
            case LOST -> lateReply(target);
            default -> foreign++;
        }
    }

    private void onTextReply(InetSocketAddress sender, ByteBuffer data, long now) {
        ProbeTarget target = byAddress.get(sender);
        if (target == null || !isPing(data)) {
            foreign++;
            return;
        }
        if (target.textSentNanos < 0) {
            lateReply(target); // nothing in flight: the answer to a probe already counted lost
            return;
        }
        long rtt = now - target.textSentNanos;
        long sentAt = target.textSentNanos;
        target.textSentNanos = -1;
        if (rtt > timeoutNanos) {
            lost(target, sentAt);
            lateReply(target);
        } else {
            replied(target, rtt, now);
        }
    }

    private static boolean isPing(ByteBuffer data) {
        int n = data.remaining();
        if (n > 0 && data.get(data.limit() - 1) == '\n') {
            n--;
        }
        if (n != PING.length) {
            return false;
        }
        for (int i = 0; i < PING.length; i++) {
            if (data.get(data.position() + i) != PING[i]) {
                return false;
            }
        }
        return true;
    }

    private void lateReply(ProbeTarget target) {
        late++;
        target.stats.recordLate();
    }

    /** Retires expired probes from the head of the ring (and, in text mode, each target's probe in flight). */
    private void expire() {
        long now = System.nanoTime();
        if (mode == Mode.TEXT) {
            for (ProbeTarget target : targets) {
                long sentAt = target.textSentNanos;
                if (sentAt >= 0 && now - sentAt > timeoutNanos) {
                    target.textSentNanos = -1;
                    lost(target, sentAt);
                }
            }
            return;
        }
        while (oldestSequence < nextSequence) {
            int slot = (int) (oldestSequence & mask);
            if (flightState[slot] == IN_FLIGHT) {
                if (now - flightSentNanos[slot] <= timeoutNanos) {
                    return; // sent later than everything behind it: nothing further has expired either
                }
                flightState[slot] = LOST;
                lost(targets[flightTarget[slot]], flightSentNanos[slot]);
            }
            oldestSequence++;
        }
    }

    private void replied(ProbeTarget target, long rttNanos, long now) {
        long sentAt = now - rttNanos;
        if (!target.answered || sentAt - target.lastAnsweredSentNanos > 0) {
            target.answered = true;
            target.lastAnsweredSentNanos = sentAt;
        }
        target.stats.recordReply(rttNanos, now);
        LinkState before = target.classifier.state();
        LinkState changed = target.classifier.onReply(rttNanos);
        roundEnded(target, rttNanos, before, changed);
    }

    private void lost(ProbeTarget target, long sentAtNanos) {
        target.stats.recordLoss(sentAtNanos);
        LinkState before = target.classifier.state();
        if (target.answered && sentAtNanos - target.lastAnsweredSentNanos < 0) {
            // Sent before a probe that was already answered: it expires after that fresher reply (several probes
            // are in flight when timeout > interval), so it says nothing about the link now. Counted as a loss,
            // never classified: it must not break a recovery streak or make a recovered target PENDING again.
            roundEnded(target, -1, before, null);
            return;
        }
        LinkState changed = target.classifier.onLoss();
        roundEnded(target, -1, before, changed);
    }

    private void roundEnded(ProbeTarget target, long rttNanos, LinkState before, LinkState changed) {
        target.rounds++;
        LinkState now = target.classifier.state();
        listener.onRound(target, rttNanos, now);
        if (changed != null) {
            listener.onStateChange(target, before, changed, rttNanos);
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
                timers.forEach(Timeout::cancel);
                return null;
            });
        } catch (IOException e) {
            // the reactor is gone: so are the timers
        }
        endpoint.close();
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
        private ProbeListener listener = new ProbeListener() {
        };

        private record TargetSpec(String name, InetSocketAddress address) {
        }

        private Builder(Reactor reactor) {
            this.reactor = Objects.requireNonNull(reactor, "reactor");
        }

        /** Adds a target named {@code host:port}. */
        public Builder target(InetSocketAddress address) {
            return target(address.getHostString() + ':' + address.getPort(), address);
        }

        public Builder target(String name, InetSocketAddress address) {
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("target " + address + " is not resolved");
            }
            targets.add(new TargetSpec(name, address));
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
                boolean allLoopback = targets.stream().allMatch(t -> t.address.getAddress().isLoopbackAddress());
                bind = allLoopback ? new InetSocketAddress(targets.get(0).address.getAddress(), 0)
                        : new InetSocketAddress(0);
            }
            LatencyProber prober = new LatencyProber(this); // validates the targets before a socket is opened
            prober.endpoint = UdpEndpoint.builder(reactor)
                    .bind(bind)
                    .receiveBatch(256)
                    .receiveBufferBytes(receiveBufferBytes)
                    .handler(prober)
                    .start();
            reactor.call(() -> {
                prober.start(interval);
                return null;
            });
            return prober;
        }
    }
}
