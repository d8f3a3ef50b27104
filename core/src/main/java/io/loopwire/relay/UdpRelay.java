package io.loopwire.relay;

import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.udp.UdpEndpoint;
import io.loopwire.udp.UdpHandler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * The chat over UDP. {@code ping} and probe packets are answered by a {@link PingEcho} first (never relayed, never a
 * membership). An unknown address joins as its {@link JoinMode} says: in {@link JoinMode#OPEN} its first datagram
 * makes it a member (and is relayed, as the original system did); in {@link JoinMode#VALIDATED} a datagram of at
 * least {@value #MIN_CHALLENGED_DATAGRAM_BYTES} bytes earns one {@code * validate <token>} line and
 * {@code /join <token>} makes it a member, while nothing else from it is relayed or answered. A member is told
 * {@code * welcome} when it joins by {@code /hello} or {@code /join}. {@code /quit} or {@code /sair} leaves;
 * members silent longer than the idle timeout expire.
 *
 * <p>Every text datagram the relay sends (relayed lines, notices, the challenge, {@code * welcome}, errors) is one
 * line ending in {@code '\n'}, so that {@code nc -u} shows one line per datagram; a datagram received may end in
 * {@code "\n"} or {@code "\r\n"}, which is not part of the text. {@code ping} and probes are echoed as they came.
 *
 * <p>Protections, each counted: a per-source budget (datagrams/s and bytes/s, pings included: a member's is its own,
 * strangers share slots of a table chosen by a keyed hash with a per-process secret, so no stranger can aim at a
 * member's budget), a global budget on
 * what the relay sends for UDP senders, the member cap in total and per IP, join/leave notices under a budget of
 * deliveries per second (beyond it members join and leave quietly and one summary line per second counts them), and
 * expiry bounded per turn. Bytes sent to an address that never validated stay within 3x the bytes it sent (QUIC's
 * anti-amplification rule): a challenge (44 bytes) answers at least 64, an echo is the size of what it echoes.
 *
 * @implNote Reactor thread only, except the builder and {@link #close()}.
 */
public final class UdpRelay implements AutoCloseable {
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_MAX_MEMBERS = 4096;
    /** Members per source IP on a non-loopback bind (0, unlimited, on loopback). */
    public static final int DEFAULT_MAX_MEMBERS_PER_IP = 16;
    /** Per-source budget on a non-loopback bind: a person chats and a monitor pings far below it. */
    public static final long DEFAULT_SOURCE_DATAGRAMS_PER_SECOND = 100;
    public static final long DEFAULT_SOURCE_BYTES_PER_SECOND = 64 * 1024;
    /** What the relay may send per second for UDP senders, on a non-loopback bind. */
    public static final long DEFAULT_OUTPUT_DATAGRAMS_PER_SECOND = 200_000;
    public static final long DEFAULT_OUTPUT_BYTES_PER_SECOND = 64L * 1024 * 1024;
    /** Join/leave notice deliveries per second (burst: a tenth of it) before joins and leaves go quiet; everywhere. */
    public static final long DEFAULT_NOTICE_DELIVERIES_PER_SECOND = 20_000;
    /** Smallest datagram an unknown address gets a challenge for (QUIC pads its first packet the same way). */
    public static final int MIN_CHALLENGED_DATAGRAM_BYTES = 64;
    /** Members expired per turn at most; the rest go in the next turns. */
    public static final int MAX_EXPIRIES_PER_TURN = 256;
    /** The largest UDP payload over IPv4 (65535 - 8 UDP - 20 IP). */
    public static final int MAX_DATAGRAM_BYTES = 65_507;

    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final byte[] CHALLENGE_PREFIX = "* validate ".getBytes(StandardCharsets.US_ASCII);
    /** {@code * validate <token>\n}: 44 bytes, a third of the {@value #MIN_CHALLENGED_DATAGRAM_BYTES} it answers. */
    static final int CHALLENGE_BYTES = CHALLENGE_PREFIX.length + AddressValidator.TOKEN_CHARS + 1;
    private static final ByteBuffer ROOM_FULL = readOnly("! error: room full\n");
    private static final ByteBuffer WELCOME = readOnly("* welcome\n");

    private final Reactor reactor;
    private final ChatRoom room;
    private final long idleTimeoutNanos;
    private final int maxMembersPerIp;
    private final JoinMode joinMode;
    private final SourceLimiter sourceLimiter;
    /** A member's own budget (the same rates as a stranger's): absent when budgets are off. */
    private final long memberDatagramsPerSecond;
    private final long memberBytesPerSecond;
    private final TokenBucket outputBudget;
    private final TokenBucket noticeBudget;
    private final AddressValidator validator;
    private final PingEcho pingEcho = new PingEcho();
    /** Access order: every datagram moves its sender to the tail, so the head is always the longest silent. */
    private final UdpMembers members;
    private final ByteBuffer roomFull = ROOM_FULL.duplicate();
    private final ByteBuffer welcome = WELCOME.duplicate();
    private final ByteBuffer challenge = ByteBuffer.allocate(CHALLENGE_BYTES);
    private final Runnable expireMore = this::expireIdleMembers;
    private final UdpMembers.Expired expiredMember = this::expired;
    private final Timeout sweep;
    private boolean expiryContinues;
    private long refused;
    private long expired;
    private long challenges;
    private long badTokens;
    private long strangersIgnored;
    private long overSourceBudget;
    private long overOutputBudget;
    private long quietJoins;
    private long quietLeaves;
    private long pendingQuietJoins;
    private long pendingQuietLeaves;
    private final Datagrams datagrams = new Datagrams();

    /**
     * An open relay without budgets, as the original system (the loopback defaults).
     *
     * @param idleTimeout members silent this long expire
     * @param maxMembers members admitted at most
     */
    public UdpRelay(Reactor reactor, ChatRoom room, Duration idleTimeout, int maxMembers) {
        this(builder(reactor, room).idleTimeout(idleTimeout).maxMembers(maxMembers));
    }

    private UdpRelay(Builder b) {
        this.reactor = b.reactor;
        this.room = b.room;
        this.idleTimeoutNanos = b.idleTimeout.toNanos();
        this.maxMembersPerIp = b.maxMembersPerIp == 0 ? Integer.MAX_VALUE : b.maxMembersPerIp;
        this.members = new UdpMembers(b.maxMembers, maxMembersPerIp);
        this.joinMode = b.joinMode;
        long now = System.nanoTime();
        this.sourceLimiter = b.sourceDatagramsPerSecond > 0
                ? new SourceLimiter(b.sourceDatagramsPerSecond, b.sourceBytesPerSecond) : null;
        this.memberDatagramsPerSecond = b.sourceDatagramsPerSecond;
        this.memberBytesPerSecond = b.sourceBytesPerSecond;
        this.outputBudget = b.outputDatagramsPerSecond > 0
                ? new TokenBucket(b.outputDatagramsPerSecond, b.outputBytesPerSecond, SECOND_NANOS, now) : null;
        // A burst of a tenth of a second's notices: a whole second's worth in one turn would hold pings for ~50 ms.
        this.noticeBudget = new TokenBucket(b.noticeDeliveriesPerSecond, Long.MAX_VALUE / 4, SECOND_NANOS / 10, now);
        this.validator = joinMode == JoinMode.VALIDATED ? new AddressValidator() : null;
        challenge.put(CHALLENGE_PREFIX);
        Duration every = b.idleTimeout.dividedBy(4);
        if (every.compareTo(Duration.ofSeconds(1)) > 0) {
            every = Duration.ofSeconds(1); // also the pace of the quiet-notice summary
        }
        this.sweep = reactor.scheduleAtFixedRate(every, every, this::sweep);
    }

    /** Starts configuring a relay for {@code room}; the defaults are the open, unlimited loopback ones. */
    public static Builder builder(Reactor reactor, ChatRoom room) {
        return new Builder(reactor, room);
    }

    private static ByteBuffer readOnly(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
    }

    /** The one check of an idle timeout (positive), for every builder that takes one. */
    static Duration checkIdleTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("udpIdleTimeout must be positive, was " + timeout);
        }
        return timeout;
    }

    /** The one check of a member cap (at least 1), for every builder that takes one. */
    static int checkMaxMembers(int members) {
        if (members < 1) {
            throw new IllegalArgumentException("udpMaxMembers must be at least 1, was " + members);
        }
        return members;
    }

    /** The one check of a per-IP member cap (0 for none), for every builder that takes one. */
    static int checkMaxMembersPerIp(int members) {
        if (members < 0) {
            throw new IllegalArgumentException("udpMaxMembersPerIp must be >= 0 (0 = no cap), was " + members);
        }
        return members;
    }

    /** The endpoint's handler: give it to {@code UdpEndpoint.Builder.handler}. */
    public UdpHandler handler() {
        return datagrams;
    }

    /** The endpoint's callback, in a private class so that it is not part of the relay's public face. */
    private final class Datagrams implements UdpHandler {
        @Override
        public void onDatagram(UdpEndpoint endpoint, InetSocketAddress sender, ByteBuffer data) {
            receive(endpoint, sender, data);
        }
    }

    private void receive(UdpEndpoint endpoint, InetSocketAddress sender, ByteBuffer data) {
        long now = System.nanoTime();
        int size = data.remaining();
        UdpMember member = members.heard(sender);
        if (member != null) {
            member.lastHeardNanos = now; // heard() moved it to the tail of the expiry order: keep the two in step
        }
        if (sourceLimiter != null) {
            // A member spends its own budget; strangers share keyed slots, which no stranger can aim at a member's.
            boolean within = member != null ? member.budget.tryTake(1, size, now)
                    : sourceLimiter.allow(sender, size, now);
            if (!within) {
                overSourceBudget++;
                return;
            }
        }
        if (pingEcho.answer(endpoint, sender, data)) {
            return;
        }
        Commands.stripLineEnd(data);
        if (member == null) {
            stranger(endpoint, sender, data, size, now);
            return;
        }
        if (Commands.isQuit(data)) {
            remove(member, now);
        } else if (Commands.isHello(data) || Commands.skipJoin(data)) {
            welcome.clear(); // a repeated hello or join (its answer was lost): say it again
            endpoint.send(sender, welcome);
        } else if (data.hasRemaining()) {
            relay(member, data, now);
        }
    }

    private void stranger(UdpEndpoint endpoint, InetSocketAddress sender, ByteBuffer data, int size, long now) {
        if (Commands.isQuit(data)) {
            return;
        }
        if (joinMode == JoinMode.VALIDATED) {
            if (Commands.skipJoin(data)) {
                if (validator.isValid(sender, data, now)) {
                    admit(endpoint, sender, now, true);
                } else {
                    badTokens++;
                }
            } else if (size >= MIN_CHALLENGED_DATAGRAM_BYTES) {
                challenges++;
                challenge.clear().position(CHALLENGE_PREFIX.length);
                validator.token(sender, now, challenge);
                challenge.put((byte) '\n').flip();
                endpoint.send(sender, challenge);
            } else {
                strangersIgnored++; // too short to answer: a reply could outweigh it
            }
            return;
        }
        boolean hello = Commands.isHello(data);
        UdpMember member = admit(endpoint, sender, now, hello);
        if (member != null && !hello && data.hasRemaining()) {
            relay(member, data, now);
        }
    }

    /** Makes {@code sender} a member if the caps allow; tells it {@code * welcome} if it asked. */
    private UdpMember admit(UdpEndpoint endpoint, InetSocketAddress sender, long now, boolean welcomeIt) {
        if (members.full(sender)) {
            refused++;
            roomFull.clear();
            endpoint.send(sender, roomFull);
            return null;
        }
        UdpMember member = new UdpMember(endpoint, sender, sourceLimiter == null ? null
                : new TokenBucket(memberDatagramsPerSecond, memberBytesPerSecond, 2 * SECOND_NANOS, now));
        // Join first: if the join throws (a RelayFormat failing, say), the sender must not stay registered
        // without a prefix, taking a member slot and failing every later datagram until it expires.
        boolean announce = noticeBudget.tryTake(room.size(), 0, now);
        room.join(member, announce);
        if (!announce) {
            quietJoins++;
            pendingQuietJoins++;
        }
        member.lastHeardNanos = now;
        members.add(member);
        if (welcomeIt) {
            welcome.clear();
            endpoint.send(sender, welcome);
        }
        return member;
    }

    private void relay(UdpMember member, ByteBuffer data, long now) {
        if (outputBudget != null) {
            int recipients = room.size() - 1;
            long bytes = (long) recipients * (member.prefix.length + data.remaining());
            if (!outputBudget.tryTake(recipients, bytes, now)) {
                overOutputBudget++;
                return;
            }
        }
        room.broadcast(member, data);
    }

    private void remove(UdpMember member, long now) {
        members.remove(member);
        leaveRoom(member, now);
    }

    private void expired(UdpMember member, long now) {
        expired++;
        leaveRoom(member, now);
    }

    /** Takes {@code member} out of the room; it is already out of {@link #members}. */
    private void leaveRoom(UdpMember member, long now) {
        boolean announce = noticeBudget.tryTake(room.size() - 1, 0, now);
        room.leave(member, announce);
        if (!announce) {
            quietLeaves++;
            pendingQuietLeaves++;
        }
    }

    private void sweep() {
        if (pendingQuietJoins > 0 || pendingQuietLeaves > 0) {
            room.noticeAll("* " + pendingQuietJoins + " joined, " + pendingQuietLeaves
                    + " left (too many to announce one by one)");
            pendingQuietJoins = 0;
            pendingQuietLeaves = 0;
        }
        if (!expiryContinues) {
            expireIdleMembers();
        }
    }

    /** Expires at most {@link #MAX_EXPIRIES_PER_TURN} members, oldest first; continues next turn if more are due. */
    private void expireIdleMembers() {
        expiryContinues = members.expire(System.nanoTime(), idleTimeoutNanos, MAX_EXPIRIES_PER_TURN, expiredMember);
        if (expiryContinues) {
            // A timer due at once runs in the next turn (this turn's timers ran already): pings and reads first.
            reactor.schedule(Duration.ofNanos(1), expireMore);
        }
    }

    /** UDP members now registered. Reactor thread only. */
    public int memberCount() {
        return members.size();
    }

    /** How unknown addresses join. */
    public JoinMode joinMode() {
        return joinMode;
    }

    /** Members per source IP at most; 0 when there is no per-IP cap. */
    public int maxMembersPerIp() {
        return maxMembersPerIp == Integer.MAX_VALUE ? 0 : maxMembersPerIp;
    }

    /** Whether the per-source and output budgets are on. */
    public boolean budgetsOn() {
        return sourceLimiter != null || outputBudget != null;
    }

    /** Datagrams refused because the room was full, in total or for the sender's IP. */
    public long refused() {
        return refused;
    }

    /** Members expired for silence. */
    public long expired() {
        return expired;
    }

    /** {@code * validate} challenges sent to unknown addresses. */
    public long challenges() {
        return challenges;
    }

    /** {@code /join} datagrams with a wrong or stale token. */
    public long badTokens() {
        return badTokens;
    }

    /** Datagrams from unknown addresses too short for a challenge, dropped unanswered (validated mode). */
    public long strangersIgnored() {
        return strangersIgnored;
    }

    /** Datagrams dropped because their source had spent its budget. */
    public long overSourceBudget() {
        return overSourceBudget;
    }

    /** The strangers' budget table, null when budgets are off (tests aim at its slots). */
    SourceLimiter sourceLimiter() {
        return sourceLimiter;
    }

    /** Messages not relayed because the global output budget was spent. */
    public long overOutputBudget() {
        return overOutputBudget;
    }

    /** Joins that were not announced one by one (the notice budget was spent). */
    public long quietJoins() {
        return quietJoins;
    }

    /** Leaves that were not announced one by one (the notice budget was spent). */
    public long quietLeaves() {
        return quietLeaves;
    }

    /** The {@code ping}/probe responder in front of the relay. */
    public PingEcho pingEcho() {
        return pingEcho;
    }

    /** Stops the idle sweep. The endpoint is closed by its owner. */
    @Override
    public void close() {
        sweep.cancel();
    }

    /** Configuration of a {@link UdpRelay}; every budget 0 means off. */
    public static final class Builder {
        private final Reactor reactor;
        private final ChatRoom room;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int maxMembers = DEFAULT_MAX_MEMBERS;
        private int maxMembersPerIp;
        private JoinMode joinMode = JoinMode.OPEN;
        private long sourceDatagramsPerSecond;
        private long sourceBytesPerSecond;
        private long outputDatagramsPerSecond;
        private long outputBytesPerSecond;
        private long noticeDeliveriesPerSecond = DEFAULT_NOTICE_DELIVERIES_PER_SECOND;

        private Builder(Reactor reactor, ChatRoom room) {
            this.reactor = Objects.requireNonNull(reactor, "reactor");
            this.room = Objects.requireNonNull(room, "room");
        }

        /** Members silent this long expire; default 10 minutes. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = checkIdleTimeout(timeout);
            return this;
        }

        /** Members at most; default 4096. */
        public Builder maxMembers(int members) {
            this.maxMembers = checkMaxMembers(members);
            return this;
        }

        /** Members per source IP at most; 0 (default) for no per-IP cap. */
        public Builder maxMembersPerIp(int members) {
            this.maxMembersPerIp = checkMaxMembersPerIp(members);
            return this;
        }

        /** How unknown addresses join; default {@link JoinMode#OPEN}. */
        public Builder joinMode(JoinMode mode) {
            this.joinMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Per-source budget, bursts of two seconds' worth; default off (0). */
        public Builder sourceBudget(long datagramsPerSecond, long bytesPerSecond) {
            checkBudget("source", datagramsPerSecond, bytesPerSecond);
            this.sourceDatagramsPerSecond = datagramsPerSecond;
            this.sourceBytesPerSecond = bytesPerSecond;
            return this;
        }

        /** Budget for everything relayed from UDP senders, bursts of one second's worth; default off (0). */
        public Builder outputBudget(long datagramsPerSecond, long bytesPerSecond) {
            checkBudget("output", datagramsPerSecond, bytesPerSecond);
            this.outputDatagramsPerSecond = datagramsPerSecond;
            this.outputBytesPerSecond = bytesPerSecond;
            return this;
        }

        /** Join/leave notice deliveries per second before joins and leaves go quiet; default 20,000. */
        public Builder noticeBudget(long deliveriesPerSecond) {
            if (deliveriesPerSecond < 1) {
                throw new IllegalArgumentException("noticeBudget must be at least 1/s, was " + deliveriesPerSecond);
            }
            this.noticeDeliveriesPerSecond = deliveriesPerSecond;
            return this;
        }

        private static void checkBudget(String name, long datagrams, long bytes) {
            if (datagrams < 0 || bytes < 0 || (datagrams == 0) != (bytes == 0)) {
                throw new IllegalArgumentException(name + " budget must be both positive or both 0 (off), was "
                        + datagrams + " datagrams/s and " + bytes + " bytes/s");
            }
            if (datagrams > 0 && bytes < MAX_DATAGRAM_BYTES) {
                throw new IllegalArgumentException(name + " budget of " + bytes + " bytes/s is below one largest "
                        + "datagram (" + MAX_DATAGRAM_BYTES + " bytes)");
            }
        }

        public UdpRelay build() {
            return new UdpRelay(this);
        }
    }
}
