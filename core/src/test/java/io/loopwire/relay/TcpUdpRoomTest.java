package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.relay.ChatClients.UdpClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** TCP and UDP members share one room by default, and do not with {@code separateRooms(true)}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TcpUdpRoomTest {

    @Test
    void tcpAndUdpMembersSeeEachOtherInOneRoom() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b);
             LineClient tcp = LineClient.connect(chat.tcp());
             UdpClient udp = new UdpClient(chat.udp())) {
            Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == 1, "the TCP member to join");

            udp.send("hello from udp");
            assertThat(tcp.readLine()).isEqualTo("* " + udp.peer() + " joined");
            assertThat(tcp.readLine()).isEqualTo("[" + udp.peer() + "] hello from udp");

            tcp.sendLine("hello from tcp");
            // A datagram is the message: no line terminator.
            assertThat(udp.receive()).isEqualTo("[" + tcp.peer() + "] hello from tcp");

            String late;
            try (LineClient client = LineClient.connect(chat.tcp())) {
                late = client.peer();
                assertThat(udp.receive()).isEqualTo("* " + late + " joined");
                assertThat(tcp.readLine()).isEqualTo("* " + late + " joined");
            }
            assertThat(udp.receive()).isEqualTo("* " + late + " left");
        }
    }

    @Test
    void separateRoomsKeepTcpAndUdpApart() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b.separateRooms(true));
             LineClient tcpA = LineClient.connect(chat.tcp());
             LineClient tcpB = LineClient.connect(chat.tcp());
             UdpClient udpA = new UdpClient(chat.udp());
             UdpClient udpB = new UdpClient(chat.udp())) {
            assertThat(tcpA.readLine()).isEqualTo("* " + tcpB.peer() + " joined");
            udpA.send("udp a here");
            Poll.until(ChatClients.ARRIVES, () -> chat.udpMembers() == 1, "udp a to register");
            udpB.send("udp b here");
            assertThat(udpA.receive()).isEqualTo("* " + udpB.peer() + " joined");
            assertThat(udpA.receive()).isEqualTo("[" + udpB.peer() + "] udp b here");

            // A TCP line stays with TCP: udp sends happen while the line is relayed, before tcpB can read it.
            tcpA.sendLine("tcp only");
            assertThat(tcpB.readLine()).isEqualTo("[" + tcpA.peer() + "] tcp only");
            udpB.send("udp only");
            assertThat(udpA.receive()).isEqualTo("[" + udpB.peer() + "] udp only");
            udpA.assertNothingArrives();
            udpB.assertNothingArrives();

            // ...and UDP stays with UDP: tcpB's next line is tcpA's, not the datagrams nor their join notices.
            tcpA.sendLine("tcp again");
            assertThat(tcpB.readLine()).isEqualTo("[" + tcpA.peer() + "] tcp again");
            assertThat(chat.tcpRoomSize()).isEqualTo(2);
        }
    }
}
