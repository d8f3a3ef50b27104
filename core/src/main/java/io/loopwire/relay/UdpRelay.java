package io.loopwire.relay;

import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.udp.UdpEndpoint;
import io.loopwire.udp.UdpHandler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * The chat over UDP, as the original system had it: the first datagram from an address makes it a member (and is
 * relayed), {@code /quit} or {@code /sair} leaves, members silent for longer than the idle timeout expire, and at most
 * {@code maxMembers} are admitted (others get {@code ! error: room full}). {@code ping} and probe packets are answered
 * by a {@link PingEcho} before any of that. Use it as the {@link UdpHandler} of a {@code UdpEndpoint}.
 *
 * @implNote Reactor thread only, except the constructor and {@link #close()}.
 */
public final class UdpRelay implements UdpHandler, AutoCloseable {
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_MAX_MEMBERS = 4096;

    private static final ByteBuffer ROOM_FULL = ByteBuffer.wrap("! error: room full".getBytes(StandardCharsets.UTF_8))
            .asReadOnlyBuffer();

    private final ChatRoom room;
    private final long idleTimeoutNanos;
    private final int maxMembers;
    private final PingEcho pingEcho = new PingEcho();
    private final Map<InetSocketAddress, UdpMember> members = new HashMap<>();
    private final ByteBuffer roomFull = ROOM_FULL.duplicate();
    private final Timeout sweep;
    private long refused;
    private long expired;

    /**
     * @param idleTimeout members silent this long expire
     * @param maxMembers members admitted at most
     */
    public UdpRelay(Reactor reactor, ChatRoom room, Duration idleTimeout, int maxMembers) {
        this.room = Objects.requireNonNull(room, "room");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, was " + idleTimeout);
        }
        if (maxMembers < 1) {
            throw new IllegalArgumentException("maxMembers must be at least 1, was " + maxMembers);
        }
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.maxMembers = maxMembers;
        Duration every = idleTimeout.dividedBy(4);
        if (every.compareTo(Duration.ofSeconds(1)) > 0) {
            every = Duration.ofSeconds(1);
        }
        this.sweep = reactor.scheduleAtFixedRate(every, every, this::expireIdleMembers);
    }

    @Override
    public void onDatagram(UdpEndpoint endpoint, InetSocketAddress sender, ByteBuffer data) {
        if (pingEcho.answer(endpoint, sender, data)) {
            return;
        }
        Commands.stripLineEnd(data);
        UdpMember member = members.get(sender);
        if (Commands.isQuit(data)) {
            if (member != null) {
                remove(member);
            }
            return;
        }
        if (member == null) {
            if (members.size() >= maxMembers) {
                refused++;
                roomFull.clear();
                endpoint.send(sender, roomFull);
                return;
            }
            member = new UdpMember(endpoint, sender);
            // Join first: if the join throws (a RelayFormat failing, say), the sender must not stay registered
            // without a prefix, taking a member slot and failing every later datagram until it expires.
            room.join(member);
            members.put(sender, member);
        }
        member.lastHeardNanos = System.nanoTime();
        if (data.hasRemaining()) {
            room.broadcast(member, data);
        }
    }

    private void remove(UdpMember member) {
        members.remove(member.address());
        room.leave(member);
    }

    private void expireIdleMembers() {
        long now = System.nanoTime();
        for (Iterator<UdpMember> it = members.values().iterator(); it.hasNext(); ) {
            UdpMember member = it.next();
            if (now - member.lastHeardNanos > idleTimeoutNanos) {
                it.remove();
                expired++;
                room.leave(member);
            }
        }
    }

    /** UDP members now registered. Reactor thread only. */
    public int memberCount() {
        return members.size();
    }

    /** Datagrams refused because the room was full. */
    public long refused() {
        return refused;
    }

    /** Members expired for silence. */
    public long expired() {
        return expired;
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

    /** A member reached at a UDP address. */
    static final class UdpMember extends Member {
        private final UdpEndpoint endpoint;
        long lastHeardNanos;

        UdpMember(UdpEndpoint endpoint, InetSocketAddress address) {
            super(address);
            this.endpoint = endpoint;
        }

        @Override
        protected void deliver(ByteBuffer line, boolean transientBytes) {
            line.limit(line.limit() - 1); // a datagram is the message: no line terminator; queued sends are copies
            endpoint.send(address(), line);
        }
    }
}
