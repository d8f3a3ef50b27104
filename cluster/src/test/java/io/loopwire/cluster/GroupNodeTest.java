package io.loopwire.cluster;

import static io.loopwire.cluster.ClusterNode.NATS_PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.ReactorGroup;
import io.loopwire.relay.ChatServer;
import io.loopwire.relay.GroupRoom;
import io.loopwire.testkit.NatsServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node running two loops (a {@link GroupRoom}) bridged with a one-loop node: lines from members on either loop
 * reach the other node once, and remote lines reach members on both loops once, in order.
 */
class GroupNodeTest {
    static final int LINES = 50;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void membersOnEveryLoopOfANodeAndOnAnotherNodeHearEachOtherExactlyOnce() throws Exception {
        List<Client> clients = new ArrayList<>();
        ReactorGroup group = new ReactorGroup(2);
        NatsRoomBridge groupBridge = null;
        try (NatsServer nats = NatsServer.startOrSkip();
                ClusterNode single = ClusterNode.start("single", nats.url(), "group")) {
            GroupRoom room = new GroupRoom(group);
            ChatServer first = ChatServer.builder(group.get(0)).room(room.room(0)).reusePort(true)
                    .tcpPort(0).udpPort(0).start();
            ChatServer.builder(group.get(1)).room(room.room(1)).reusePort(true)
                    .tcpPort(first.tcpAddress().getPort()).udpPort(first.udpAddress().getPort()).start();
            groupBridge = NatsRoomBridge.builder(nats.url()).room("group").nodeId("pair").start(group, room);
            group.start();

            // Connect until both loops have members (the kernel picks the listener; bounded).
            List<Client> onPair = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                Client c = Client.tcp("pair" + i, first.tcpAddress());
                clients.add(c);
                onPair.add(c);
                int n = onPair.size();
                Poll.until(NATS_PATIENCE, () -> group.get(0).call(() -> room.room(0).size())
                        + group.get(1).call(() -> room.room(1).size()) == n, "member " + n + " in");
                if (n >= 4 && group.get(0).call(() -> room.room(0).size()) > 0
                        && group.get(1).call(() -> room.room(1).size()) > 0) {
                    break;
                }
            }
            assertThat(group.get(0).call(() -> room.room(0).size())).as("members on loop 0").isPositive();
            assertThat(group.get(1).call(() -> room.room(1).size())).as("members on loop 1").isPositive();
            Client remote = Client.tcp("remote", single.tcp());
            clients.add(remote);
            Poll.until(NATS_PATIENCE, () -> single.roomSize() == 1, "remote member in");

            List<Client> all = new ArrayList<>(onPair);
            all.add(remote);
            for (Client c : all) {
                Chat.fence("ready", c, all);
            }
            Chat.send("g", all, LINES);
            Chat.assertExactlyOnceInOrder("g", all, all, LINES);
            assertThat(groupBridge.stats().duplicates() + single.bridge.stats().duplicates()).isZero();
        } finally {
            for (Client c : clients) {
                c.close();
            }
            group.close(Duration.ofMillis(500));
            if (groupBridge != null) {
                groupBridge.close();
            }
        }
    }
}
