package io.loopwire.relay;

import io.loopwire.ReactorGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Two started loops joined by a {@link GroupRoom}, each with its own {@link ChatServer} on its own loopback ports (no
 * SO_REUSEPORT), so a test chooses the loop each client lands on.
 */
final class TwoLoopRoom implements AutoCloseable {
    final ReactorGroup group = new ReactorGroup(2);
    final GroupRoom room;
    final List<ChatServer> servers = new ArrayList<>();

    TwoLoopRoom(long windowBytes, Duration stallTimeout) throws IOException {
        this(windowBytes, stallTimeout, b -> b);
    }

    /** With {@code config} applied to both loops' servers (an outbound limit, say). */
    TwoLoopRoom(long windowBytes, Duration stallTimeout, UnaryOperator<ChatServer.Builder> config) throws IOException {
        room = new GroupRoom(group, RelayFormat.DEFAULT, windowBytes, stallTimeout);
        try {
            for (int i = 0; i < 2; i++) {
                servers.add(config.apply(ChatServer.builder(group.get(i)).room(room.room(i)).tcpPort(0).udpPort(0))
                        .start());
            }
        } catch (IOException | RuntimeException e) {
            group.close(Duration.ofMillis(500));
            throw e;
        }
        group.start();
    }

    TwoLoopRoom() throws IOException {
        this(GroupRoom.DEFAULT_WINDOW_BYTES, GroupRoom.DEFAULT_STALL_TIMEOUT);
    }

    InetSocketAddress tcp(int loop) {
        return servers.get(loop).tcpAddress();
    }

    InetSocketAddress udp(int loop) {
        return servers.get(loop).udpAddress();
    }

    /** Members on both loops now (each read on its loop). */
    int members() throws IOException {
        return group.get(0).call(() -> room.room(0).size()) + group.get(1).call(() -> room.room(1).size());
    }

    /** Connections on {@code loop} closed at their outbound limit. */
    long closedTooSlow(int loop) throws IOException {
        return group.get(loop).call(() -> servers.get(loop).tcpServer().stats()
                .closed(io.loopwire.tcp.CloseReason.OUTBOUND_LIMIT));
    }

    @Override
    public void close() {
        group.close(Duration.ofMillis(500));
    }
}
