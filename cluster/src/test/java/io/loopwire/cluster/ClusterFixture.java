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
        nats = NatsServer.startOrSkip();
        return nats;
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
