package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.relay.ChatClients.UdpClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The UDP side: the first datagram registers (and is relayed), {@code /quit} and {@code /sair} leave, silent members
 * expire, and the member cap refuses newcomers with {@code ! error: room full}. A TCP member watches the room.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UdpRelayTest {
    private RunningServer chat;

    @AfterEach
    void stopServer() {
        if (chat != null) {
            chat.close();
        }
    }

    /** Starts a server and a TCP member that is in the room before the test goes on. */
    private LineClient watcher(int maxMembers, Duration idleTimeout) throws Exception {
        chat = RunningServer.start(b -> b.udpMaxMembers(maxMembers).udpIdleTimeout(idleTimeout));
        LineClient watcher = LineClient.connect(chat.tcp());
        Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == 1, "the watcher to join");
        return watcher;
    }

    @Test
    void firstDatagramRegistersAndIsRelayed() throws Exception {
        try (LineClient watcher = watcher(10, Duration.ofMinutes(10));
             UdpClient a = new UdpClient(chat.udp()); UdpClient b = new UdpClient(chat.udp())) {
            a.send("Novo participante no chat.");
            assertThat(watcher.readLine()).isEqualTo("* " + a.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + a.peer() + "] Novo participante no chat.");

            b.send("Olá!\n"); // one trailing newline is dropped, as on TCP
            assertThat(a.receive()).isEqualTo("* " + b.peer() + " joined");
            assertThat(a.receive()).isEqualTo("[" + b.peer() + "] Olá!");
            assertThat(watcher.readLine()).isEqualTo("* " + b.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + b.peer() + "] Olá!");

            // Never to the sender: b's next datagram is a's reply, not its own message.
            a.send("Tudo bem?");
            assertThat(b.receive()).isEqualTo("[" + a.peer() + "] Tudo bem?");
            assertThat(chat.udpMembers()).isEqualTo(2);
        }
    }

    @Test
    void emptyDatagramRegistersWithoutSayingAnything() throws Exception {
        try (LineClient watcher = watcher(10, Duration.ofMinutes(10)); UdpClient a = new UdpClient(chat.udp())) {
            a.send("");
            assertThat(watcher.readLine()).isEqualTo("* " + a.peer() + " joined");
            watcher.sendLine("hi");
            assertThat(a.receive()).isEqualTo("[" + watcher.peer() + "] hi");
        }
    }

    @Test
    void quitLeavesTheRoom() throws Exception {
        leaveCommandLeavesTheRoom("/quit");
    }

    @Test
    void sairLeavesTheRoom() throws Exception {
        leaveCommandLeavesTheRoom("/sair\n");
    }

    private void leaveCommandLeavesTheRoom(String command) throws Exception {
        try (LineClient watcher = watcher(10, Duration.ofMinutes(10)); UdpClient a = new UdpClient(chat.udp())) {
            a.send("hello");
            assertThat(watcher.readLine()).isEqualTo("* " + a.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + a.peer() + "] hello");

            a.send(command);
            assertThat(watcher.readLine()).isEqualTo("* " + a.peer() + " left");
            assertThat(chat.udpMembers()).isZero();

            // Relaying happens on the loop while the line is handled: once it has been handled, a is not sent it.
            try (LineClient other = LineClient.connect(chat.tcp())) {
                assertThat(watcher.readLine()).isEqualTo("* " + other.peer() + " joined");
                other.sendLine("after the quit");
                assertThat(watcher.readLine()).isEqualTo("[" + other.peer() + "] after the quit");
            }
            a.assertNothingArrives();
        }
    }

    @Test
    void quitFromAStrangerIsIgnored() throws Exception {
        try (LineClient watcher = watcher(10, Duration.ofMinutes(10)); UdpClient a = new UdpClient(chat.udp())) {
            a.send("/quit");
            a.send("now i am here");
            assertThat(watcher.readLine()).isEqualTo("* " + a.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + a.peer() + "] now i am here");
        }
    }

    @Test
    void silentMembersExpireWithALeaveNoticeAndGetNothingMore() throws Exception {
        try (LineClient watcher = watcher(10, Duration.ofMillis(300)); UdpClient a = new UdpClient(chat.udp())) {
            a.send("here for a moment");
            assertThat(watcher.readLine()).isEqualTo("* " + a.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + a.peer() + "] here for a moment");

            assertThat(watcher.readLine()).isEqualTo("* " + a.peer() + " left");
            assertThat(chat.udpMembers()).isZero();
            assertThat(chat.reactor.call(() -> chat.server.udpRelay().expired())).isEqualTo(1);

            String other;
            try (LineClient client = LineClient.connect(chat.tcp())) {
                other = client.peer();
                assertThat(watcher.readLine()).isEqualTo("* " + other + " joined");
                client.sendLine("anyone on udp?");
                assertThat(watcher.readLine()).isEqualTo("[" + other + "] anyone on udp?");
            }
            a.assertNothingArrives();
            assertThat(watcher.readLine()).isEqualTo("* " + other + " left");

            // Speaking again makes it a member again.
            a.send("back");
            assertThat(watcher.readLine()).isEqualTo("* " + a.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + a.peer() + "] back");
        }
    }

    @Test
    void memberCapRefusesNewcomersWithRoomFull() throws Exception {
        try (LineClient watcher = watcher(2, Duration.ofMinutes(10));
             UdpClient a = new UdpClient(chat.udp());
             UdpClient b = new UdpClient(chat.udp());
             UdpClient c = new UdpClient(chat.udp())) {
            a.send("a");
            assertThat(watcher.readLine()).isEqualTo("* " + a.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + a.peer() + "] a");
            b.send("b");
            assertThat(watcher.readLine()).isEqualTo("* " + b.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + b.peer() + "] b");

            c.send("let me in");
            assertThat(c.receive()).isEqualTo("! error: room full");
            assertThat(chat.udpMembers()).isEqualTo(2);

            // c's message was not relayed: the next thing everyone sees is a's marker.
            a.send("marker");
            assertThat(watcher.readLine()).isEqualTo("[" + a.peer() + "] marker");
            assertThat(b.receive()).isEqualTo("[" + a.peer() + "] marker");
            assertThat(chat.reactor.call(() -> chat.server.udpRelay().refused())).isEqualTo(1);

            // A place freed is a place taken.
            b.send("/quit");
            assertThat(watcher.readLine()).isEqualTo("* " + b.peer() + " left");
            c.send("now?");
            assertThat(watcher.readLine()).isEqualTo("* " + c.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + c.peer() + "] now?");
        }
    }
}
