package io.loopwire.relay;

import io.loopwire.ReactorGroup;
import io.loopwire.tcp.Placement;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The chat server of the wire contract over every loop of a {@link ReactorGroup}: one {@link ChatServer} per loop on
 * shared ports, all in one {@link GroupRoom}. Built with {@code ChatServer.builder(group)...startGroup()}; start the
 * group afterwards, and stop it by closing the group (graceful) or this (now).
 *
 * <pre>{@code
 * ReactorGroup group = new ReactorGroup(ReactorGroup.availableProcessors());
 * GroupChatServer chat = ChatServer.builder(group).tcpPort(12345).udpPort(12345).startGroup();
 * group.start();
 * }</pre>
 *
 * @implNote Thread-safe: the addresses and lists are fixed once built; each loop's server and room belong to that
 *     loop's thread, and {@link #room()}'s health accessors are thread-safe.
 */
public final class GroupChatServer implements AutoCloseable {
    /**
     * TCP members below which a room stays on one loop (see {@link ChatServer.Builder#packBelow}). Measured on two
     * loops of a 2-core machine: spread over both, 2 members cost 2.2 times one loop's CPU per delivery and 10
     * members 1.1 to 1.2 times, while 100 members cost the same as one loop or less.
     */
    public static final int DEFAULT_PACK_BELOW = 32;

    private final ReactorGroup group;
    private final GroupRoom room;
    private final List<ChatServer> servers;
    private final Placement placement;

    GroupChatServer(ReactorGroup group, GroupRoom room, List<ChatServer> servers, Placement placement) {
        this.group = group;
        this.room = room;
        this.servers = List.copyOf(servers);
        this.placement = placement;
    }

    /** Where the TCP and TLS listeners placed their members: counts per loop, and hand-overs. */
    public Placement placement() {
        return placement;
    }

    /** Where TCP members connect (every loop listens here). */
    public InetSocketAddress tcpAddress() {
        return servers.get(0).tcpAddress();
    }

    /** Where TLS members connect (every loop listens here), or null without a TLS listener. */
    public InetSocketAddress tlsAddress() {
        return servers.get(0).tlsAddress();
    }

    /** Where UDP members and pings go (every loop has a socket here). */
    public InetSocketAddress udpAddress() {
        return servers.get(0).udpAddress();
    }

    public ReactorGroup group() {
        return group;
    }

    /** The room over the loops: its window, stall state and drop counts. */
    public GroupRoom room() {
        return room;
    }

    /** Loop {@code loop}'s server. */
    public ChatServer server(int loop) {
        return servers.get(loop);
    }

    /** Every loop's server, in loop order. */
    public List<ChatServer> servers() {
        return servers;
    }

    /** Closes every loop's sockets and connections now. For a graceful stop, close the group instead. */
    @Override
    public void close() {
        for (ChatServer server : servers) {
            server.close();
        }
    }
}
