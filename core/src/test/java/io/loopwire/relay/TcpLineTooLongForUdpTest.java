package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.relay.ChatClients.UdpClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A TCP line that, with its sender prefix and its {@code '\n'}, does not fit in one datagram (65,507 bytes) goes to
 * the TCP members, not to the UDP members, and its sender is told: {@code ! error: line too long for N UDP member(s)
 * ...}. The session goes on; the UDP member gets the next line. The longest line that fits reaches it whole.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TcpLineTooLongForUdpTest {

    @Test
    void lineTooLongForADatagramReachesTcpMembersAndTheSenderIsTold() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b);
                LineClient sender = LineClient.connect(chat.tcp()); LineClient reader = LineClient.connect(chat.tcp());
                UdpClient udp = new UdpClient(chat.udp())) {
            Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == 2, "both TCP members");
            udp.send("");
            sender.skipUntil("* " + udp.peer() + " joined");
            reader.skipUntil("* " + udp.peer() + " joined");

            String longLine = "x".repeat(65_500); // under --max-frame (65536), over a datagram with its prefix
            sender.sendLine(longLine);
            assertThat(reader.readLine()).isEqualTo("[" + sender.peer() + "] " + longLine);
            assertThat(sender.readLine()).isEqualTo("! error: line too long for 1 UDP member(s) (at most 65506 "
                    + "bytes with the sender prefix); not delivered to them");

            sender.sendLine("short again");
            // The UDP member's next datagram is the short line: the long one never reached it.
            assertThat(udp.receive()).isEqualTo("[" + sender.peer() + "] short again");
            assertThat(reader.readLine()).isEqualTo("[" + sender.peer() + "] short again");
            assertThat(chat.reactor.call(chat.server.tcpRoom()::undeliverable)).isEqualTo(1);

            // Prefix, text and '\n' in exactly the largest datagram: delivered, line end included.
            String prefix = "[" + sender.peer() + "] ";
            String longest = "y".repeat(UdpRelay.MAX_DATAGRAM_BYTES - 1 - prefix.length());
            sender.sendLine(longest);
            byte[] datagram = udp.receiveBytes(ChatClients.ARRIVES);
            assertThat(datagram).hasSize(UdpRelay.MAX_DATAGRAM_BYTES);
            assertThat(new String(datagram, StandardCharsets.US_ASCII)).isEqualTo(prefix + longest
                    + "\n");
            assertThat(reader.readLine()).isEqualTo(prefix + longest);
            assertThat(chat.reactor.call(chat.server.tcpRoom()::undeliverable)).isEqualTo(1);
            assertThat(chat.reactor.call(() -> chat.server.udpEndpoint().stats().sendErrors())).isZero();
        }
    }
}
