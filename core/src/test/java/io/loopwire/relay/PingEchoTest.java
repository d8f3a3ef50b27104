package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.relay.ChatClients.UdpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ping} and probe packets are answered to the sender only: never relayed, never a member. A TCP watcher and a
 * UDP member are in the room to notice any leak; a later marker message proves the server moved on.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PingEchoTest {
    private RunningServer chat;
    private LineClient watcher;
    private UdpClient member;

    @BeforeEach
    void startServerWithTwoMembers() throws Exception {
        chat = RunningServer.start(b -> b);
        watcher = LineClient.connect(chat.tcp());
        Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == 1, "the watcher to join");
        member = new UdpClient(chat.udp());
        member.send("member here");
        assertThat(watcher.readLine()).isEqualTo("* " + member.peer() + " joined");
        assertThat(watcher.readLine()).isEqualTo("[" + member.peer() + "] member here");
    }

    @AfterEach
    void stop() throws Exception {
        member.close();
        watcher.close();
        chat.close();
    }

    /** Nothing leaked to the room: the watcher's and member's next messages are the marker. */
    private void assertRoomHeardNothing() throws Exception {
        watcher.sendLine("marker");
        assertThat(member.receive()).isEqualTo("[" + watcher.peer() + "] marker");
        member.send("marker back");
        assertThat(watcher.readLine()).isEqualTo("[" + member.peer() + "] marker back");
        assertThat(chat.udpMembers()).isEqualTo(1);
    }

    @Test
    void pingIsAnsweredToTheSenderOnly() throws Exception {
        try (UdpClient monitor = new UdpClient(chat.udp())) {
            monitor.send("ping");
            assertThat(monitor.receiveText()).isEqualTo("ping");
            // Echoed as it came: the seed's bare ping gets a bare ping, nc -u's line gets a line.
            monitor.send("ping\n");
            assertThat(monitor.receiveText()).isEqualTo("ping\n");
            monitor.send("ping\r\n");
            assertThat(monitor.receiveText()).isEqualTo("ping\r\n");
            assertRoomHeardNothing();
            monitor.assertNothingArrives(); // not a member: the marker did not reach it
        }
    }

    @Test
    void pingFromAMemberIsAnsweredAndNotRelayed() throws Exception {
        member.send("ping");
        assertThat(member.receiveText()).isEqualTo("ping");
        assertRoomHeardNothing();
    }

    @Test
    void somethingElseThanPingIsChat() throws Exception {
        try (UdpClient other = new UdpClient(chat.udp())) {
            other.send("ping me");
            assertThat(watcher.readLine()).isEqualTo("* " + other.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + other.peer() + "] ping me");
        }
    }

    @Test
    void probePacketIsEchoedWithItsReplyMarkToTheSenderOnly() throws Exception {
        try (UdpClient prober = new UdpClient(chat.udp())) {
            for (int size : new int[] {24, 64, 1200}) {
                byte[] probe = probe(size);
                prober.send(probe);
                byte[] reply = probe.clone();
                reply[8] |= (byte) 0x80; // bit 63 of the sequence field: the only byte that changes
                assertThat(prober.receiveBytes(ChatClients.ARRIVES)).isEqualTo(reply);
            }
            assertRoomHeardNothing();
            prober.assertNothingArrives();
        }
    }

    @Test
    void aProbeReplyIsNeverAnsweredNorRelayed() throws Exception {
        try (UdpClient other = new UdpClient(chat.udp())) {
            byte[] reply = probe(32);
            reply[8] |= (byte) 0x80;
            other.send(reply);
            other.send("ping"); // answered: the reply before it was read and left unanswered
            assertThat(other.receiveText()).isEqualTo("ping");
            assertRoomHeardNothing();
            other.assertNothingArrives();
            assertThat(chat.reactor.call(() -> chat.server.udpRelay().pingEcho().repliesIgnored())).isEqualTo(1);
        }
    }

    @Test
    void shortPacketWithTheMagicIsChat() throws Exception {
        try (UdpClient other = new UdpClient(chat.udp())) {
            other.send("LWP1 is short"); // 13 bytes: not a probe
            assertThat(watcher.readLine()).isEqualTo("* " + other.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + other.peer() + "] LWP1 is short");
        }
    }

    /** A probe packet as the wire table has it: "LWP1", prober id, sequence, send time, padding. */
    private static byte[] probe(int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put("LWP1".getBytes(StandardCharsets.US_ASCII))
                .putInt(ThreadLocalRandom.current().nextInt())
                .putLong(42) // bit 63 clear: a probe, not a reply
                .putLong(System.nanoTime());
        while (b.hasRemaining()) {
            b.put((byte) ThreadLocalRandom.current().nextInt());
        }
        return b.array();
    }
}
