package io.loopwire.cluster;

import static io.loopwire.cluster.ClusterNode.NATS_PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.testkit.NatsServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * nats-server stopped for 5 s and started again on the same port: each node's local chat goes on throughout (the
 * loop never waits on NATS), and cross-node chat resumes once jnats has reconnected, exactly once and in order.
 */
class NatsOutageTest {
    static final int LINES = 50;

    private final ClusterFixture fixture = new ClusterFixture();
    private final List<ClusterNode> nodes = fixture.nodes;
    private final List<Client> clients = fixture.clients;
    private NatsServer nats;

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void localChatContinuesWhileNatsIsDownAndCrossNodeChatResumes() throws Exception {
        nats = fixture.startNats();
        for (String id : List.of("a", "b", "c")) {
            nodes.add(ClusterNode.start(id, nats.url(), "outage"));
        }
        List<Client> members = ThreeNodeRoomTest.joinMembers(nodes, "", clients);
        Chat.send("up", members, LINES);
        Chat.assertExactlyOnceInOrder("up", members, members, LINES);

        nats.stop();
        for (ClusterNode n : nodes) {
            Poll.until(NATS_PATIENCE, () -> !n.bridge.isConnected(), n.nodeId + " noticing NATS is gone");
        }
        long downSince = System.nanoTime();
        int round = 0;
        while (System.nanoTime() - downSince < Duration.ofSeconds(5).toNanos()) {
            for (int i = 0; i < nodes.size(); i++) {
                // The two members of one node: they must keep hearing each other with NATS gone.
                List<Client> local = members.subList(2 * i, 2 * i + 2);
                String tag = "down" + round + "n" + i;
                Chat.send(tag, local, 10);
                Chat.assertExactlyOnceInOrder(tag, local, local, 10);
            }
            round++;
        }
        assertThat(round).as("local rounds completed during the outage").isGreaterThan(1);
        for (ClusterNode n : nodes) {
            // What could not be published while NATS was gone was dropped and counted, not kept for later.
            assertThat(n.bridge.stats().droppedDisconnected()).as(n.nodeId + " lines dropped while down")
                    .isPositive();
        }

        nats.startProcess();
        for (ClusterNode n : nodes) {
            Poll.until(NATS_PATIENCE, n.bridge::isConnected, n.nodeId + " reconnected to NATS");
        }
        // Each node's subscription is back once it hears a line published after the restart.
        for (int i = 0; i < nodes.size(); i++) {
            Chat.fence("fence", members.get(2 * i), members);
        }
        Chat.send("again", members, LINES);
        Chat.assertExactlyOnceInOrder("again", members, members, LINES);
        for (ClusterNode n : nodes) {
            assertThat(n.bridge.stats().duplicates()).as(n.nodeId + " duplicates").isZero();
        }
    }
}
