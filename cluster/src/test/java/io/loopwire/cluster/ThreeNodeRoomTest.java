package io.loopwire.cluster;

import static io.loopwire.cluster.ClusterNode.NATS_PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.testkit.NatsServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Three nodes and a real nats-server on loopback, a TCP and a UDP member on each node: one room. */
class ThreeNodeRoomTest {
    static final int LINES = 100;

    private final ClusterFixture fixture = new ClusterFixture();
    private final List<ClusterNode> nodes = fixture.nodes;
    private final List<Client> clients = fixture.clients;
    private NatsServer nats;

    @BeforeEach
    void setUp() throws Exception {
        nats = fixture.startNats();
        for (String id : List.of("a", "b", "c")) {
            nodes.add(ClusterNode.start(id, nats.url(), "three"));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    /** A TCP and a UDP member on each node, all in the room (UDP members join with their first datagram). */
    static List<Client> joinMembers(List<ClusterNode> nodes, String suffix, List<Client> track) throws Exception {
        List<Client> members = new ArrayList<>();
        for (ClusterNode n : nodes) {
            Client t = Client.tcp(n.nodeId + "-tcp" + suffix, n.tcp());
            Client u = Client.udp(n.nodeId + "-udp" + suffix, n.udp());
            track.add(t);
            track.add(u);
            members.add(t);
            members.add(u);
            u.send("hello");
        }
        for (ClusterNode n : nodes) {
            Poll.until(NATS_PATIENCE, () -> n.roomSize() == 2, n.nodeId + " having its two members");
        }
        return members;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void everyMemberGetsEveryOtherMembersLinesExactlyOnceInOrder() throws Exception {
        List<Client> members = joinMembers(nodes, "", clients);
        for (Client m : members) {
            Chat.fence("ready", m, members);
        }

        Chat.send("r1", members, LINES);

        Chat.assertExactlyOnceInOrder("r1", members, members, LINES);
        for (ClusterNode n : nodes) {
            assertThat(n.bridge.stats().duplicates()).as(n.nodeId + " duplicates").isZero();
            assertThat(n.bridge.stats().gaps()).as(n.nodeId + " gaps").isZero();
            assertThat(n.bridge.stats().droppedOutboxFull() + n.bridge.stats().droppedDisconnected())
                    .as(n.nodeId + " dropped").isZero();
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void joinsAndLeavesAreAnnouncedOnEveryNode() throws Exception {
        Client onA = Client.tcp("watcher", nodes.get(0).tcp());
        clients.add(onA);
        Poll.until(NATS_PATIENCE, () -> nodes.get(0).roomSize() == 1, "watcher in the room");
        // Every bridge confirmed its subscription before start() returned: no retry needed.
        Client onC = Client.tcp("joiner", nodes.get(2).tcp());
        String peer = "127.0.0.1:" + onC.localPort();
        Poll.until(NATS_PATIENCE, () -> onA.received().contains("* " + peer + " joined"), "C's join notice on A");
        onC.close();
        Poll.until(NATS_PATIENCE, () -> onA.received().contains("* " + peer + " left"), "C's leave notice on A");
        assertThat(onA.received()).as("notices on A").containsOnlyOnce("* " + peer + " joined", "* " + peer + " left");
    }
}
