package io.loopwire.cluster;

import io.loopwire.testkit.NatsServer;
import java.util.ArrayList;
import java.util.List;

/** What a cluster test starts (a nats-server, nodes, member clients), closed members first, the server last. */
final class ClusterFixture implements AutoCloseable {
    final List<ClusterNode> nodes = new ArrayList<>();
    final List<Client> clients = new ArrayList<>();
    private NatsServer nats;

    /** Starts the nats-server (or skips the test with the reason). */
    NatsServer startNats() throws Exception {
        return startNats(List.of());
    }

    /** Starts the nats-server with more arguments (or skips the test with the reason). */
    NatsServer startNats(List<String> args) throws Exception {
        nats = NatsServer.startOrSkip(args);
        return nats;
    }

    /** A TCP member of {@code node}, closed with the fixture. */
    Client tcpMember(String name, ClusterNode node) throws Exception {
        Client c = Client.tcp(name, node.tcp());
        clients.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (Client c : clients) {
            c.close();
        }
        for (ClusterNode n : nodes) {
            n.close();
        }
        if (nats != null) {
            nats.close();
        }
    }
}
