package io.loopwire.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.testkit.NatsServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node stopped and started again with the same node id: the others lose nothing while it is away, and its new run's
 * lines are neither dropped as replays of the old run (sequence numbers start again at 1) nor delivered twice.
 */
class NodeRestartTest {
    static final int LINES = 60;

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
    void restartedNodeWithSameIdIsHeardAgainAndNobodyLosesOrRepeatsALine() throws Exception {
        nats = fixture.startNats();
        ClusterNode a = ClusterNode.start("a", nats.url(), "restart");
        ClusterNode b = ClusterNode.start("b", nats.url(), "restart");
        ClusterNode c = ClusterNode.start("c", nats.url(), "restart");
        nodes.addAll(List.of(a, b));
        List<Client> ab = ThreeNodeRoomTest.joinMembers(List.of(a, b), "", clients);
        List<Client> onC = ThreeNodeRoomTest.joinMembers(List.of(c), "", new ArrayList<>());
        List<Client> all = new ArrayList<>(ab);
        all.addAll(onC);

        Chat.send("before", all, LINES);
        Chat.assertExactlyOnceInOrder("before", all, all, LINES);
        long seqBeforeRestart = c.bridge.stats().published();
        assertThat(seqBeforeRestart).as("lines C published before its restart").isGreaterThan(LINES);

        for (Client m : onC) {
            m.close();
        }
        c.close();
        Chat.send("away", ab, LINES);
        Chat.assertExactlyOnceInOrder("away", ab, ab, LINES);

        ClusterNode c2 = ClusterNode.start("c", nats.url(), "restart");
        nodes.add(c2);
        assertThat(c2.bridge.incarnation()).isNotEqualTo(c.bridge.incarnation());
        List<Client> onC2 = ThreeNodeRoomTest.joinMembers(List.of(c2), "2", clients);
        List<Client> all2 = new ArrayList<>(ab);
        all2.addAll(onC2);
        Chat.send("after", all2, LINES);
        Chat.assertExactlyOnceInOrder("after", all2, all2, LINES);

        for (ClusterNode n : List.of(a, b, c2)) {
            assertThat(n.bridge.stats().duplicates()).as(n.nodeId + " duplicates").isZero();
            assertThat(n.bridge.stats().gaps()).as(n.nodeId + " gaps").isZero();
        }
    }
}
