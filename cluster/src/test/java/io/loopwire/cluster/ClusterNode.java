package io.loopwire.cluster;

import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** One chat server node for tests: a reactor, a chat server on free ports, and its NATS bridge. */
final class ClusterNode implements AutoCloseable {
    /** Bounded waits that cross nats-server (connects, reconnects, remote lines) get longer than local ones. */
    static final Duration NATS_PATIENCE = Duration.ofSeconds(20);
    final String nodeId;
    final Reactor reactor;
    final ChatServer server;
    final NatsRoomBridge bridge;

    private ClusterNode(String nodeId, Reactor reactor, ChatServer server, NatsRoomBridge bridge) {
        this.nodeId = nodeId;
        this.reactor = reactor;
        this.server = server;
        this.bridge = bridge;
    }

    static ClusterNode start(String nodeId, String natsUrl, String room) throws Exception {
        return start(nodeId, natsUrl, room, NatsRoomBridge.DEFAULT_MAX_LINE_BYTES, b -> b);
    }

    /**
     * A node whose chat lines may be {@code maxFrame} bytes long (and whose members may have four of them waiting),
     * its bridge configured further by {@code tune}.
     */
    static ClusterNode start(String nodeId, String natsUrl, String room, int maxFrame,
            UnaryOperator<NatsRoomBridge.Builder> tune) throws Exception {
        Reactor reactor = new Reactor("loopwire-" + nodeId).start();
        try {
            // Room for a few of the longest lines per member, as an operator raising --max-frame would give.
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).maxFrameBytes(maxFrame)
                    .maxOutboundBytes(Math.max(1024 * 1024, 4L * maxFrame)).start();
            NatsRoomBridge bridge = tune.apply(NatsRoomBridge.builder(natsUrl).room(room).nodeId(nodeId)
                    .maxLineBytes(maxFrame).reconnectWait(Duration.ofMillis(200))).start(reactor, server.tcpRoom());
            return new ClusterNode(nodeId, reactor, server, bridge);
        } catch (Exception e) {
            reactor.close();
            throw e;
        }
    }

    InetSocketAddress tcp() {
        return server.tcpAddress();
    }

    InetSocketAddress udp() {
        return server.udpAddress();
    }

    int roomSize() throws Exception {
        return reactor.call(() -> server.tcpRoom().size());
    }

    /** Stops like a server does: the loop closes (members leave, leaves are published), then the bridge. */
    @Override
    public void close() throws Exception {
        reactor.close();
        reactor.awaitTermination(Duration.ofSeconds(10));
        bridge.close();
    }
}
