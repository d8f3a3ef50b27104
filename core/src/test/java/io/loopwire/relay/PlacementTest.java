package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.ReactorGroup;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.tcp.Placement;
import io.loopwire.testkit.TestCerts;
import io.loopwire.tls.PemFiles;
import io.loopwire.tls.TlsConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a group's listeners place members ({@link Placement}): a small room lives on one loop (connections the kernel
 * gave the other loop's listener are handed over before a byte is read), a room past the packing size spreads
 * evenly, the counts follow closes, and a loop without members is handed no lines.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PlacementTest {
    private final ReactorGroup group = new ReactorGroup(2);
    private final List<LineClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (LineClient c : clients) {
            c.close();
        }
        group.close(Duration.ofMillis(500));
    }

    @Test
    void aSmallRoomLivesOnOneLoopAndALargeOneSpreadsEvenly() throws Exception {
        GroupChatServer chat = ChatServer.builder(group).tcpPort(0).udpPort(0).packBelow(16).startGroup();
        group.start();
        // 16 connections: the kernel hashes each to one of two listeners, so (but for a 2^-15 chance) both listeners
        // accept some, and the placement hands the other loop's to the first.
        connect(chat, 16);
        assertThat(onLoop(chat, 0)).as("members on loop 0 while the room is small").isEqualTo(16);
        assertThat(onLoop(chat, 1)).as("members on loop 1 while the room is small").isZero();
        assertThat(chat.placement().handOvers()).as("connections handed from loop 1's listener").isPositive();
        everyoneHears(chat, clients.get(3), "packed");
        assertThat(chat.room().batchesSent(0)).as("lines handed to a loop without members").isZero();

        connect(chat, 16); // past the packing size: each joins the emptier loop
        assertThat(onLoop(chat, 0)).as("members on loop 0 once spread").isEqualTo(16);
        assertThat(onLoop(chat, 1)).as("members on loop 1 once spread").isEqualTo(16);
        everyoneHears(chat, clients.get(0), "spread from loop 0");
        everyoneHears(chat, clients.get(clients.size() - 1), "spread from loop 1");
        assertThat(chat.room().batchesSent(0)).as("lines from loop 0 to loop 1's members").isPositive();

        for (LineClient c : clients) {
            c.close();
        }
        clients.clear();
        Poll.until(() -> chat.placement().openOn(0) == 0 && chat.placement().openOn(1) == 0,
                "the placement's counts back to zero after every member left");
    }

    @Test
    void packBelowZeroSpreadsFromTheFirstMember() throws Exception {
        GroupChatServer chat = ChatServer.builder(group).tcpPort(0).udpPort(0).packBelow(0).startGroup();
        group.start();
        connect(chat, 2);
        assertThat(onLoop(chat, 0)).isEqualTo(1);
        assertThat(onLoop(chat, 1)).isEqualTo(1);
        everyoneHears(chat, clients.get(0), "across");
    }

    /** TLS members are placed before their handshake, which then runs on the loop that serves them. */
    @Test
    void tlsMembersHandedOverBeforeTheHandshakeTalkAsUsual(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestCerts.available(), TestCerts.MISSING);
        TestCerts certs = TestCerts.newCa(dir).issue("server", "ec");
        TlsConfig tls = TlsConfig.server(PemFiles.serverContext(certs.chain("server"), certs.key("server"))).build();
        SSLContext trust = PemFiles.clientContext(certs.caPem());
        GroupChatServer chat = ChatServer.builder(group).tcpPort(0).udpPort(0).tls(tls, 0).plainTcp(false)
                .packBelow(16).startGroup();
        group.start();
        List<SSLSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("localhost",
                        chat.tlsAddress().getPort());
                s.setSoTimeout(5000);
                s.startHandshake();
                sockets.add(s);
                int expected = sockets.size();
                Poll.until(() -> onLoop(chat, 0) == expected, "TLS member " + expected + " on loop 0");
            }
            assertThat(onLoop(chat, 1)).isZero();
            assertThat(chat.placement().handOvers()).as("TLS connections handed from loop 1's listener")
                    .isPositive();
            SSLSocket speaker = sockets.get(0);
            speaker.getOutputStream().write("sealed\n".getBytes(StandardCharsets.UTF_8));
            speaker.getOutputStream().flush();
            String expected = "[" + ChatClients.peer((InetSocketAddress) speaker.getLocalSocketAddress()) + "] sealed";
            for (SSLSocket s : sockets.subList(1, sockets.size())) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                do {
                    line = in.readLine(); // bounded by the socket timeout
                } while (line != null && !line.equals(expected));
                assertThat(line).as("what a handed-over TLS member heard").isEqualTo(expected);
            }
        } finally {
            for (SSLSocket s : sockets) {
                s.close();
            }
        }
    }

    /** Hostile: 300 connections reset by their peers at once, some while being handed over; the counts settle. */
    @Test
    void connectionsResetWhileHandedOverLeaveNoCountBehind() throws Exception {
        GroupChatServer chat = ChatServer.builder(group).tcpPort(0).udpPort(0).packBelow(8).startGroup();
        group.start();
        InetSocketAddress address = chat.tcpAddress();
        for (int i = 0; i < 300; i++) {
            try (Socket s = new Socket()) {
                s.setSoLinger(true, 0); // close sends RST: the server may accept a connection already reset
                s.connect(address, 5000);
            }
        }
        Poll.until(() -> chat.placement().openOn(0) + chat.placement().openOn(1) == 0,
                "every reset connection uncounted");
        connect(chat, 4); // and the room still works, packed
        assertThat(onLoop(chat, 0) + onLoop(chat, 1)).isEqualTo(4);
        assertThat(Math.min(onLoop(chat, 0), onLoop(chat, 1))).as("members on the emptier loop").isZero();
        everyoneHears(chat, clients.get(0), "after the resets");
    }

    private void connect(GroupChatServer chat, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            clients.add(LineClient.connect(chat.tcpAddress()));
            int expected = clients.size();
            Poll.until(() -> onLoop(chat, 0) + onLoop(chat, 1) == expected, "member " + expected + " in the room");
        }
    }

    /** {@code speaker} says {@code text}; every other client hears it (after any join and leave notices). */
    private void everyoneHears(GroupChatServer chat, LineClient speaker, String text) throws Exception {
        speaker.sendLine(text);
        String expected = "[" + speaker.peer() + "] " + text;
        for (LineClient c : clients) {
            if (c != speaker) {
                c.skipUntil(expected);
            }
        }
    }

    private static int onLoop(GroupChatServer chat, int loop) throws Exception {
        return chat.group().get(loop).call(() -> chat.room().room(loop).size());
    }
}
