package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.relay.ChatClients.UdpClient;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Validated joins: an unknown address gets one {@code * validate <token>} for a datagram of at least 64 bytes and
 * nothing for a shorter one; nothing it sends is relayed until {@code /join <token>} with its own, fresh token;
 * {@code ping} and probes are still echoed. A TCP member watches what the room sees.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UdpAddressValidationTest {
    private static final String PADDED = "/hello" + " ".repeat(58);
    private RunningServer chat;
    private LineClient watcher;

    @BeforeEach
    void start() throws Exception {
        chat = RunningServer.start(b -> b.udpJoinMode(JoinMode.VALIDATED));
        watcher = LineClient.connect(chat.tcp());
        Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == 1, "the watcher to join");
    }

    @AfterEach
    void stop() throws Exception {
        watcher.close();
        chat.close();
    }

    private static String token(String challenge) {
        assertThat(challenge).matches("\\* validate [0-9a-f]{32}");
        return challenge.substring("* validate ".length());
    }

    @Test
    void paddedDatagramEarnsChallengeAndJoinWithTokenMakesMember() throws Exception {
        try (UdpClient a = new UdpClient(chat.udp())) {
            a.send(PADDED);
            String challenge = a.receive();
            assertThat(challenge.length()).isLessThanOrEqualTo(3 * PADDED.length());
            a.send("/join " + token(challenge));
            assertThat(a.receive()).isEqualTo("* welcome");
            assertThat(watcher.readLine()).isEqualTo("* " + a.peer() + " joined");
            a.send("hello, validated");
            assertThat(watcher.readLine()).isEqualTo("[" + a.peer() + "] hello, validated");
            watcher.sendLine("hi back");
            assertThat(a.receive()).isEqualTo("[" + watcher.peer() + "] hi back");
            assertThat(chat.udpMembers()).isEqualTo(1);
        }
    }

    @Test
    void nothingFromAnUnvalidatedAddressIsRelayedOrAnsweredButPings() throws Exception {
        try (UdpClient stranger = new UdpClient(chat.udp()); UdpClient member = joined()) {
            stranger.send("short hello");                         // < 64 bytes: no answer at all
            stranger.send("x".repeat(100));                       // padded: a challenge, never relayed
            assertThat(stranger.receive()).startsWith("* validate ");
            stranger.send("/join 0123456789abcdef0123456789abcdef"); // a wrong token
            stranger.send("ping");
            assertThat(stranger.receiveText()).isEqualTo("ping");
            byte[] probe = ByteBuffer.allocate(32).putInt(0x4C575031).putInt(7).putLong(1).putLong(2).array();
            stranger.send(probe);
            byte[] reply = probe.clone();
            reply[8] |= (byte) 0x80; // the echo's reply mark
            assertThat(stranger.receiveBytes(ChatClients.ARRIVES)).isEqualTo(reply);
            stranger.assertNothingArrives();

            // The room moved on and never heard the stranger: the next line the watcher reads is the member's.
            member.send("proof of order");
            assertThat(watcher.readLine()).isEqualTo("[" + member.peer() + "] proof of order");
            assertThat(chat.udpMembers()).isEqualTo(1);
            UdpRelay relay = chat.server.udpRelay();
            assertThat(chat.reactor.call(relay::strangersIgnored)).isEqualTo(1);
            assertThat(chat.reactor.call(relay::badTokens)).isEqualTo(1);
        }
    }

    @Test
    void tokenIsValidOnlyForTheAddressItWasMadeFor() throws Exception {
        try (UdpClient a = new UdpClient(chat.udp()); UdpClient thief = new UdpClient(chat.udp())) {
            a.send(PADDED);
            String stolen = token(a.receive());
            thief.send("/join " + stolen);
            thief.send("ping"); // answered: proves the /join before it was processed and ignored
            assertThat(thief.receiveText()).isEqualTo("ping");
            assertThat(chat.udpMembers()).isZero();
            assertThat(chat.reactor.call(chat.server.udpRelay()::badTokens)).isEqualTo(1);
        }
    }

    /** A UDP member through the whole handshake; the watcher has read its join notice. */
    private UdpClient joined() throws Exception {
        UdpClient member = new UdpClient(chat.udp());
        member.send(PADDED);
        member.send("/join " + token(member.receive()));
        assertThat(member.receive()).isEqualTo("* welcome");
        assertThat(watcher.readLine()).isEqualTo("* " + member.peer() + " joined");
        return member;
    }
}
