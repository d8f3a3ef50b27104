package io.loopwire.relay;

import io.loopwire.Reactor;
import io.loopwire.ReactorGroup;
import io.loopwire.codec.Framer;
import io.loopwire.codec.LineFramer;
import io.loopwire.codec.RawFramer;
import io.loopwire.tcp.ConnectionOptions;
import io.loopwire.tcp.Placement;
import io.loopwire.tcp.TcpServer;
import io.loopwire.tls.TlsConfig;
import io.loopwire.udp.UdpEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole chat server of the wire contract on one reactor: a {@link TcpServer} running a {@link TcpRelay} and a
 * {@link UdpEndpoint} running a {@link UdpRelay}, sharing one {@link ChatRoom} (or one each with
 * {@link Builder#separateRooms}); optionally a second, TLS, listener in the same room ({@link Builder#tls}).
 *
 * @implNote The builder, {@link #tcpAddress()}, {@link #udpAddress()} and {@link #close()} are thread-safe; the rooms
 *     and relays belong to the reactor thread.
 */
public final class ChatServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChatServer.class);
    /** How the TCP byte stream is cut into messages. */
    public enum Framing {
        /** UTF-8 lines ending in {@code \n} or {@code \r\n} (the wire contract). */
        LINE,
        /** Each read is one message (the original system's clients send text without a newline). */
        RAW
    }

    private final TcpServer tcp;
    private final TcpServer tls;
    private final UdpEndpoint udp;
    private final UdpRelay udpRelay;
    private final ChatRoom tcpRoom;
    private final ChatRoom udpRoom;

    private ChatServer(TcpServer tcp, TcpServer tls, UdpEndpoint udp, UdpRelay udpRelay, ChatRoom tcpRoom,
            ChatRoom udpRoom) {
        this.tcp = tcp;
        this.tls = tls;
        this.udp = udp;
        this.udpRelay = udpRelay;
        this.tcpRoom = tcpRoom;
        this.udpRoom = udpRoom;
    }

    public static Builder builder(Reactor reactor) {
        return new Builder(reactor, null);
    }

    /**
     * A server over every loop of {@code group} as one room: build with {@link Builder#startGroup()}. The caps and
     * budgets set on the builder are the process's; they are split per loop.
     */
    public static Builder builder(ReactorGroup group) {
        return new Builder(group.get(0), group);
    }

    /** Where plaintext TCP members connect, or null if plaintext TCP is off ({@link Builder#plainTcp}). */
    public InetSocketAddress tcpAddress() {
        return tcp == null ? null : tcp.localAddress();
    }

    /** Where TLS members connect, or null without a TLS listener ({@link Builder#tls}). */
    public InetSocketAddress tlsAddress() {
        return tls == null ? null : tls.localAddress();
    }

    /** The TLS listener, or null. */
    public TcpServer tlsServer() {
        return tls;
    }

    /** Where UDP members and pings go. */
    public InetSocketAddress udpAddress() {
        return udp.localAddress();
    }

    /** The plaintext TCP listener, or null if it is off. */
    public TcpServer tcpServer() {
        return tcp;
    }

    public UdpEndpoint udpEndpoint() {
        return udp;
    }

    public UdpRelay udpRelay() {
        return udpRelay;
    }

    /** The room TCP members are in (the only room unless rooms are separate). */
    public ChatRoom tcpRoom() {
        return tcpRoom;
    }

    /** The room UDP members are in. */
    public ChatRoom udpRoom() {
        return udpRoom;
    }

    /** Closes both sockets and every connection now. For a graceful stop, close the reactor instead. */
    @Override
    public void close() {
        udpRelay.close();
        if (tcp != null) {
            tcp.close();
        }
        if (tls != null) {
            tls.close();
        }
        udp.close();
    }

    /** Configuration with the wire contract's defaults. */
    public static final class Builder {
        private final Reactor reactor;
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int tcpPort = 12345;
        private int udpPort = 12345;
        private Framing framing = Framing.LINE;
        private int maxFrameBytes = TcpServer.DEFAULT_MAX_FRAME_BYTES;
        private long carryBudgetBytes = TcpServer.DEFAULT_CARRY_BUDGET_BYTES;
        private long maxOutboundBytes = TcpServer.DEFAULT_MAX_OUTBOUND_BYTES;
        private Duration tcpIdleTimeout = Duration.ZERO;
        private Duration udpIdleTimeout = UdpRelay.DEFAULT_IDLE_TIMEOUT;
        private int udpMaxMembers = UdpRelay.DEFAULT_MAX_MEMBERS;
        private boolean separateRooms;
        private RelayFormat format = RelayFormat.DEFAULT;
        private ChatRoom room;
        private boolean reusePort;
        private JoinMode udpJoinMode;
        private Integer udpMaxMembersPerIp;
        private Boolean udpBudgets;
        private final ReactorGroup group;
        private long windowBytes = GroupRoom.DEFAULT_WINDOW_BYTES;
        private Duration stallTimeout = GroupRoom.DEFAULT_STALL_TIMEOUT;
        private int packBelow = GroupChatServer.DEFAULT_PACK_BELOW;
        private boolean plainTcp = true;
        private TlsConfig tlsConfig;
        private int tlsPort;

        private Builder(Reactor reactor, ReactorGroup group) {
            this.reactor = Objects.requireNonNull(reactor, "reactor");
            this.group = group;
        }

        /**
         * Over a group: bytes handed from one loop to another and not yet delivered, at most, per pair of loops;
         * default {@link GroupRoom#DEFAULT_WINDOW_BYTES}. See {@link GroupRoom}.
         */
        public Builder windowBytes(long bytes) {
            if (bytes < GroupRoom.MIN_WINDOW_BYTES || bytes > GroupRoom.MAX_WINDOW_BYTES) {
                throw new IllegalArgumentException("windowBytes must be in " + GroupRoom.MIN_WINDOW_BYTES + ".."
                        + GroupRoom.MAX_WINDOW_BYTES + " (64 KiB..1 GiB), was " + bytes);
            }
            this.windowBytes = bytes;
            return this;
        }

        /**
         * Over a group: how long a loop may take no lines while another waits before its lines are dropped instead;
         * default {@link GroupRoom#DEFAULT_STALL_TIMEOUT}.
         */
        public Builder stallTimeout(Duration timeout) {
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("stallTimeout must be positive, was " + timeout);
            }
            this.stallTimeout = timeout;
            return this;
        }

        /**
         * Over a group: while the room has fewer than {@code members} TCP members, new ones join the loop that already
         * serves the most, so a small room lives on one loop; from that size on, the loop that serves the fewest. 0
         * spreads from the first member. Default {@link GroupChatServer#DEFAULT_PACK_BELOW}. See
         * {@link io.loopwire.tcp.Placement}.
         */
        public Builder packBelow(int members) {
            if (members < 0) {
                throw new IllegalArgumentException("packBelow must be 0 or more, was " + members);
            }
            this.packBelow = members;
            return this;
        }

        /** The address both sockets bind; default loopback. */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** Default 12345; 0 picks a free port. */
        public Builder tcpPort(int port) {
            this.tcpPort = checkPort(port);
            return this;
        }

        /** Default 12345; 0 picks a free port. */
        public Builder udpPort(int port) {
            this.udpPort = checkPort(port);
            return this;
        }

        public Builder framing(Framing framing) {
            this.framing = Objects.requireNonNull(framing, "framing");
            return this;
        }

        /** Longest TCP message in bytes; default 65536. */
        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = Framer.checkMaxFrameBytes(bytes);
            return this;
        }

        /** Bytes queued per TCP member at most before it is disconnected as too slow; default 1 MiB. */
        public Builder maxOutboundBytes(long bytes) {
            this.maxOutboundBytes = ConnectionOptions.checkMaxOutboundBytes(bytes);
            return this;
        }

        /**
         * Bytes of unfinished input all TCP members may hold together; over it the largest holders are closed first.
         * Default {@link io.loopwire.tcp.ConnectionOptions#DEFAULT_CARRY_BUDGET_BYTES} (64 MiB).
         */
        public Builder carryBudgetBytes(long bytes) {
            this.carryBudgetBytes = ConnectionOptions.checkCarryBudgetBytes(bytes);
            return this;
        }

        /** Disconnect TCP members silent this long; default zero, off. */
        public Builder tcpIdleTimeout(Duration timeout) {
            this.tcpIdleTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Expire UDP members silent this long; default 10 minutes. */
        public Builder udpIdleTimeout(Duration timeout) {
            this.udpIdleTimeout = UdpRelay.checkIdleTimeout(timeout);
            return this;
        }

        /** UDP members at most; default 4096. */
        public Builder udpMaxMembers(int members) {
            this.udpMaxMembers = UdpRelay.checkMaxMembers(members);
            return this;
        }

        /** How unknown UDP addresses join; default {@code VALIDATED} on a non-loopback bind, {@code OPEN} on loopback. */
        public Builder udpJoinMode(JoinMode mode) {
            this.udpJoinMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * UDP members per source IP at most, 0 for no cap; default {@value UdpRelay#DEFAULT_MAX_MEMBERS_PER_IP} on a
         * non-loopback bind, no cap on loopback.
         */
        public Builder udpMaxMembersPerIp(int members) {
            this.udpMaxMembersPerIp = UdpRelay.checkMaxMembersPerIp(members);
            return this;
        }

        /**
         * The UDP budgets (per source, and on what is relayed for UDP senders) with their default rates; default on
         * for a non-loopback bind, off on loopback (the prober's benchmarks ping at full speed there).
         */
        public Builder udpBudgets(boolean on) {
            this.udpBudgets = on;
            return this;
        }

        /**
         * Also listen for TLS members on {@code port} (0 picks one), in the same room as the plaintext ones (IRC style:
         * they talk to each other). The UDP side stays plaintext. Default: no TLS listener.
         */
        public Builder tls(TlsConfig config, int port) {
            this.tlsConfig = Objects.requireNonNull(config, "config");
            this.tlsPort = checkPort(port);
            return this;
        }

        /** Whether to listen for plaintext TCP members; default on. Off needs a {@link #tls} listener. */
        public Builder plainTcp(boolean on) {
            this.plainTcp = on;
            return this;
        }

        /** Keep TCP and UDP members in separate rooms; default one room. */
        public Builder separateRooms(boolean separate) {
            this.separateRooms = separate;
            return this;
        }

        /**
         * Serve this room (on this builder's reactor) instead of a new one, e.g. one loop's part of a
         * {@link GroupRoom}. Not with {@link #separateRooms}.
         */
        public Builder room(ChatRoom room) {
            this.room = Objects.requireNonNull(room, "room");
            return this;
        }

        /**
         * {@code SO_REUSEPORT} on both sockets, for one server per loop on the same ports (see
         * {@link TcpServer.Builder#reusePort}). Default off.
         */
        public Builder reusePort(boolean reuse) {
            this.reusePort = reuse;
            return this;
        }

        public Builder format(RelayFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, was " + port);
            }
            return port;
        }

        /**
         * Binds both sockets and starts serving.
         *
         * @throws java.net.BindException if a port is in use
         */
        public ChatServer start() throws IOException {
            if (room != null && separateRooms) {
                throw new IllegalStateException("a given room cannot be split: room(...) and separateRooms(true)");
            }
            if (group != null && group.size() > 1) {
                throw new IllegalStateException("a builder over a group of " + group.size() + " loops: startGroup()");
            }
            return start(reactor, room, null, tcpPort, tlsPort, udpPort, udpMaxMembers, carryBudgetBytes, reusePort);
        }

        /**
         * Over a group (see {@link ChatServer#builder(ReactorGroup)}): one server per loop, all in one
         * {@link GroupRoom}, before the loops start. Every loop listens on the same ports with {@code SO_REUSEPORT}
         * (the kernel spreads TCP connections and UDP peers over the loops; each loop keeps its own UDP socket); port 0
         * picks a free port for the first loop, which the others then share. The UDP member cap and the carry budget
         * are split evenly (rounded up; at least 64 KiB of carry per loop).
         *
         * @throws java.net.BindException if a port is in use
         * @throws UnsupportedOperationException if the platform has no {@code SO_REUSEPORT} (more than one loop)
         */
        public GroupChatServer startGroup() throws IOException {
            if (group == null) {
                throw new IllegalStateException("startGroup needs ChatServer.builder(ReactorGroup)");
            }
            if (room != null || separateRooms) {
                throw new IllegalStateException("a group serves one room of its own: no room(...) or separateRooms");
            }
            int loops = group.size();
            GroupRoom groupRoom = new GroupRoom(group, format, windowBytes, stallTimeout);
            Placement placement = new Placement(loops, packBelow); // both listeners: all TCP members count
            List<ChatServer> servers = new ArrayList<>();
            try {
                for (int i = 0; i < loops; i++) {
                    ChatServer first = i == 0 ? null : servers.get(0);
                    servers.add(start(group.get(i), groupRoom.room(i), new Placing(placement, i),
                            first == null || first.tcpAddress() == null ? tcpPort : first.tcpAddress().getPort(),
                            first == null || first.tlsAddress() == null ? tlsPort : first.tlsAddress().getPort(),
                            first == null ? udpPort : first.udpAddress().getPort(),
                            (udpMaxMembers + loops - 1) / loops,
                            Math.max(64 * 1024, carryBudgetBytes / loops), reusePort || loops > 1));
                }
            } catch (IOException | RuntimeException e) {
                for (ChatServer started : servers) {
                    started.close();
                }
                throw e;
            }
            return new GroupChatServer(group, groupRoom, servers, placement);
        }

        /** Loop {@code loop}'s place in the listeners' placement; null for a server on one reactor. */
        private record Placing(Placement placement, int loop) {
        }

        private ChatServer start(Reactor reactor, ChatRoom room, Placing placing, int tcpPort, int tlsPort, int udpPort,
                int udpMaxMembers, long carryBudgetBytes, boolean reusePort) throws IOException {
            ChatRoom tcpRoom = room != null ? room : new ChatRoom(reactor, format);
            ChatRoom udpRoom = separateRooms ? new ChatRoom(reactor, format) : tcpRoom;
            if (!plainTcp && tlsConfig == null) {
                throw new IllegalStateException("plaintext TCP is off and there is no TLS listener: no TCP door");
            }
            TcpServer tcp = plainTcp
                    ? tcpServer(reactor, tcpRoom, tcpPort, null, carryBudgetBytes, reusePort, placing) : null;
            TcpServer tls;
            try {
                tls = tlsConfig != null
                        ? tcpServer(reactor, tcpRoom, tlsPort, tlsConfig, carryBudgetBytes, reusePort, placing) : null;
            } catch (IOException | RuntimeException e) {
                if (tcp != null) {
                    tcp.close();
                }
                throw e;
            }
            // Protections that would break local tools are on for a public bind and off on loopback (the README's "UDP on an open network").
            boolean open = !bindAddress.isLoopbackAddress();
            UdpRelay.Builder relay = UdpRelay.builder(reactor, udpRoom)
                    .idleTimeout(udpIdleTimeout)
                    .maxMembers(udpMaxMembers)
                    .joinMode(udpJoinMode != null ? udpJoinMode : open ? JoinMode.VALIDATED : JoinMode.OPEN)
                    .maxMembersPerIp(udpMaxMembersPerIp != null ? udpMaxMembersPerIp
                            : open ? UdpRelay.DEFAULT_MAX_MEMBERS_PER_IP : 0);
            if (udpBudgets != null ? udpBudgets : open) {
                relay.sourceBudget(UdpRelay.DEFAULT_SOURCE_DATAGRAMS_PER_SECOND, UdpRelay.DEFAULT_SOURCE_BYTES_PER_SECOND)
                        .outputBudget(UdpRelay.DEFAULT_OUTPUT_DATAGRAMS_PER_SECOND,
                                UdpRelay.DEFAULT_OUTPUT_BYTES_PER_SECOND);
            }
            UdpRelay udpRelay = relay.build();
            UdpEndpoint udp;
            try {
                udp = UdpEndpoint.builder(reactor)
                        .bind(new InetSocketAddress(bindAddress, udpPort))
                        .reusePort(reusePort)
                        .handler(udpRelay.handler())
                        .start();
            } catch (IOException | RuntimeException e) {
                udpRelay.close();
                if (tcp != null) {
                    tcp.close();
                }
                if (tls != null) {
                    tls.close();
                }
                throw e;
            }
            // DEBUG: the CLI's ready line says what a user needs at start; this is for tuning.
            log.debug("udp {}: joins {}, SO_RCVBUF {} bytes granted", udp.localAddress(),
                    udpRelay.joinMode().name().toLowerCase(Locale.ROOT), udp.receiveBufferBytes());
            return new ChatServer(tcp, tls, udp, udpRelay, tcpRoom, udpRoom);
        }

        /** One TCP listener of the room: plaintext ({@code tls} null) or TLS, with the same settings. */
        private TcpServer tcpServer(Reactor reactor, ChatRoom room, int port, TlsConfig tls, long carryBudgetBytes,
                boolean reusePort, Placing placing) throws IOException {
            Framer framer = framing == Framing.LINE ? new LineFramer(maxFrameBytes) : new RawFramer(maxFrameBytes);
            TcpServer.Builder b = TcpServer.builder(reactor)
                    .bind(new InetSocketAddress(bindAddress, port))
                    .framer(framer)
                    .maxOutboundBytes(maxOutboundBytes)
                    .carryBudgetBytes(carryBudgetBytes)
                    .idleTimeout(tcpIdleTimeout)
                    .reusePort(reusePort)
                    .handler(new TcpRelay(room, maxOutboundBytes).handler());
            if (tls != null) {
                b.tls(tls);
            }
            if (placing != null) {
                b.placement(placing.placement(), placing.loop());
            }
            return b.start();
        }
    }
}
