package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.Poll;
import io.loopwire.ReactorGroup;
import io.loopwire.relay.ChatClients.LineClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ChatServer.builder(group).startGroup()}: one server per loop on the same ports (port 0 picked once), one room
 * over the loops with the window and stall timeout asked for; the single-loop {@code start()} refuses a group.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupChatServerTest {

    @Test
    void everyLoopListensOnTheSamePortsAndMembersShareOneRoom() throws Exception {
        ReactorGroup group = new ReactorGroup(2);
        List<LineClient> clients = new ArrayList<>();
        try {
            GroupChatServer chat = ChatServer.builder(group).tcpPort(0).udpPort(0).windowBytes(1024 * 1024)
                    .stallTimeout(Duration.ofSeconds(2)).startGroup();
            group.start();
            assertThat(chat.servers()).hasSize(2);
            assertThat(chat.server(1).tcpAddress()).isEqualTo(chat.tcpAddress());
            assertThat(chat.server(1).udpAddress()).isEqualTo(chat.udpAddress());
            assertThat(chat.room().loops()).isEqualTo(2);
            assertThat(chat.room().windowBytes()).isEqualTo(1024 * 1024);
            assertThat(chat.room().stallTimeout()).isEqualTo(Duration.ofSeconds(2));
            assertThat(chat.room().stalledLoops()).isEmpty();
            // Connect until both loops have members (the kernel hashes each connection to one listener; bounded).
            for (int i = 0; i < 64 && (i < 4 || onLoop(chat, 0) == 0 || onLoop(chat, 1) == 0); i++) {
                clients.add(LineClient.connect(chat.tcpAddress()));
                int expected = clients.size();
                Poll.until(() -> onLoop(chat, 0) + onLoop(chat, 1) == expected, "member " + expected);
            }
            assertThat(onLoop(chat, 0)).as("members on loop 0").isPositive();
            assertThat(onLoop(chat, 1)).as("members on loop 1").isPositive();
            LineClient speaker = clients.get(clients.size() - 1);
            speaker.sendLine("one room");
            String expected = "[" + speaker.peer() + "] one room";
            for (LineClient c : clients.subList(0, clients.size() - 1)) {
                String got;
                do {
                    got = c.readLine();
                } while (got.startsWith("* "));
                assertThat(got).isEqualTo(expected);
            }
        } finally {
            for (LineClient c : clients) {
                c.close();
            }
            group.close(Duration.ofMillis(500));
        }
    }

    @Test
    void aGroupBuilderRefusesTheSingleLoopStartAndARoomOfItsOwn() {
        ReactorGroup group = new ReactorGroup(2);
        try {
            assertThatThrownBy(() -> ChatServer.builder(group).tcpPort(0).udpPort(0).start())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("startGroup");
            assertThatThrownBy(() -> ChatServer.builder(group).separateRooms(true).startGroup())
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> ChatServer.builder(group.get(0)).startGroup())
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> ChatServer.builder(group).windowBytes(1024))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("windowBytes");
        } finally {
            group.close(Duration.ofMillis(500));
        }
    }

    private static int onLoop(GroupChatServer chat, int loop) throws Exception {
        return chat.group().get(loop).call(() -> chat.room().room(loop).size());
    }
}
