package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.ReactorGroup;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.UdpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two loops with SO_REUSEPORT UDP endpoints on one port: the kernel sends each UDP peer to one loop, and the
 * {@link GroupRoom} carries lines between the loops both ways, once each.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupRoomUdpTest {

    private static int udpMembers(ReactorGroup group, List<ChatServer> servers, int loop) {
        try {
            return group.get(loop).call(() -> servers.get(loop).udpRelay().memberCount());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void udpMembersOnBothLoopsHearATcpMemberAndAreHeardOnce() throws Exception {
        ReactorGroup group = new ReactorGroup(2);
        GroupRoom room = new GroupRoom(group);
        List<UdpClient> udp = new ArrayList<>();
        try {
            List<ChatServer> servers = new ArrayList<>();
            servers.add(ChatServer.builder(group.get(0)).room(room.room(0)).reusePort(true).tcpPort(0).udpPort(0)
                    .start());
            servers.add(ChatServer.builder(group.get(1)).room(room.room(1)).reusePort(true)
                    .tcpPort(servers.get(0).tcpAddress().getPort()).udpPort(servers.get(0).udpAddress().getPort())
                    .start());
            group.start();

            // UDP peers until both loops have some (each source port hashes to one endpoint; bounded).
            for (int i = 0; i < 64 && (i < 4 || udpMembers(group, servers, 0) == 0
                    || udpMembers(group, servers, 1) == 0); i++) {
                UdpClient c = new UdpClient(servers.get(0).udpAddress());
                udp.add(c);
                c.send("/quit"); // a no-op for a stranger: makes no member, relays nothing
                c.send("joining");
                int expected = udp.size();
                Poll.until(ChatClients.ARRIVES,
                        () -> udpMembers(group, servers, 0) + udpMembers(group, servers, 1) == expected,
                        "udp member " + expected);
            }
            assertThat(udpMembers(group, servers, 0)).as("UDP members on loop 0").isPositive();
            assertThat(udpMembers(group, servers, 1)).as("UDP members on loop 1").isPositive();

            try (LineClient tcp = LineClient.connect(servers.get(0).tcpAddress())) {
                Poll.until(ChatClients.ARRIVES, () -> group.get(0).call(() -> room.room(0).size())
                        + group.get(1).call(() -> room.room(1).size()) == udp.size() + 1, "tcp member in");
                tcp.sendLine("to all loops");
                String expected = "[" + tcp.peer() + "] to all loops";
                for (UdpClient c : udp) {
                    String got;
                    do {
                        got = c.receive(); // earlier members also hear later ones' "joining" and join notices
                    } while (!got.equals(expected));
                }
                for (UdpClient c : udp) {
                    c.assertNothingArrives(); // not twice
                }

                for (UdpClient c : udp) {
                    c.send("from " + c.peer());
                }
                Set<String> heard = new HashSet<>();
                while (heard.size() < udp.size()) {
                    String line = tcp.readLine(ChatClients.ARRIVES);
                    assertThat(line).as("tcp member's next line").isNotNull();
                    if (line.contains("] from ")) {
                        assertThat(heard.add(line)).as("heard once: %s", line).isTrue();
                    }
                }
            }
        } finally {
            for (UdpClient c : udp) {
                c.close();
            }
            group.close(Duration.ofMillis(500));
        }
    }
}
