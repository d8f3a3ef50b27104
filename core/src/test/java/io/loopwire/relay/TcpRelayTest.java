package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TCP side of the wire contract, line framing: relay format, notices, commands, line endings. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TcpRelayTest {
    private RunningServer chat;

    @BeforeEach
    void startServer() throws Exception {
        chat = RunningServer.start(b -> b);
    }

    @AfterEach
    void stopServer() {
        chat.close();
    }

    /** Connects {@code a} then {@code b} and waits until {@code a} saw {@code b} join: both are members. */
    private LineClient joinAfter(LineClient first) throws Exception {
        LineClient next = LineClient.connect(chat.tcp());
        assertThat(first.readLine()).isEqualTo("* " + next.peer() + " joined");
        return next;
    }

    @Test
    void linesAreRelayedToOthersWithTheSenderPrefixAndNeverToTheSender() throws Exception {
        try (LineClient a = LineClient.connect(chat.tcp()); LineClient b = joinAfter(a);
             LineClient c = joinAfter(a)) {
            assertThat(b.readLine()).isEqualTo("* " + c.peer() + " joined");

            a.sendLine("olá, tudo bem?");
            assertThat(b.readLine()).isEqualTo("[" + a.peer() + "] olá, tudo bem?");
            assertThat(c.readLine()).isEqualTo("[" + a.peer() + "] olá, tudo bem?");

            // Had a's own line come back, it would be queued before b's reply.
            b.sendLine("tudo, e você?");
            assertThat(a.readLine()).isEqualTo("[" + b.peer() + "] tudo, e você?");
            assertThat(c.readLine()).isEqualTo("[" + b.peer() + "] tudo, e você?");
        }
    }

    @Test
    void crlfLineEndingsAreStrippedAndEmptyLinesAreNotRelayed() throws Exception {
        try (LineClient a = LineClient.connect(chat.tcp()); LineClient b = joinAfter(a)) {
            a.send("windows\r\n\n\r\n" + "unix\n");
            assertThat(b.readLine()).isEqualTo("[" + a.peer() + "] windows");
            assertThat(b.readLine()).isEqualTo("[" + a.peer() + "] unix");

            // A line split across writes is still one line.
            a.send("split ");
            a.send("across writes\r");
            a.send("\n");
            assertThat(b.readLine()).isEqualTo("[" + a.peer() + "] split across writes");
        }
    }

    @Test
    void joinIsAnnouncedToOthersButNotToTheNewcomer() throws Exception {
        try (LineClient a = LineClient.connect(chat.tcp()); LineClient b = joinAfter(a)) {
            // b's first line must be a's message, not any notice about itself or a.
            a.sendLine("first");
            assertThat(b.readLine()).isEqualTo("[" + a.peer() + "] first");
        }
    }

    @Test
    void disconnectIsAnnouncedAsLeft() throws Exception {
        try (LineClient a = LineClient.connect(chat.tcp())) {
            LineClient b = joinAfter(a);
            String gone = b.peer();
            b.close();
            assertThat(a.readLine()).isEqualTo("* " + gone + " left");
        }
    }

    @Test
    void resetIsAnnouncedAsLeft() throws Exception {
        try (LineClient a = LineClient.connect(chat.tcp())) {
            LineClient b = joinAfter(a);
            String gone = b.peer();
            Socket socket = b.socket();
            socket.setSoLinger(true, 0); // close with RST
            socket.close();
            assertThat(a.readLine()).isEqualTo("* " + gone + " left");
        }
    }

    @Test
    void quitEndsTheSessionAndIsAnnouncedAsLeft() throws Exception {
        quitCommandEndsTheSession("/quit");
    }

    @Test
    void sairEndsTheSessionAndIsAnnouncedAsLeft() throws Exception {
        quitCommandEndsTheSession("/sair");
    }

    private void quitCommandEndsTheSession(String command) throws Exception {
        try (LineClient a = LineClient.connect(chat.tcp()); LineClient b = joinAfter(a)) {
            b.sendLine(command);
            b.assertClosedByServer();
            b.close();
            // The command itself is not relayed: the next thing a hears is the leave notice.
            assertThat(a.readLine()).isEqualTo("* " + b.peer() + " left");
            awaitRoomSize(1);
        }
    }

    @Test
    void quitIsAnnouncedAtOnceEvenWhileTheClientKeepsItsSocketOpen() throws Exception {
        // nc, for one, does not close on the server's FIN while its stdin is open; the server's close waits up to
        // its close timeout (2 s) for the client's FIN, and the others must not wait with it.
        try (LineClient a = LineClient.connect(chat.tcp()); LineClient b = joinAfter(a)) {
            b.sendLine("/quit");
            assertThat(a.readLine(Duration.ofMillis(1500))).isEqualTo("* " + b.peer() + " left");
            b.assertClosedByServer();
        }
    }

    @Test
    void quitWithCrlfAlsoEndsTheSession() throws Exception {
        try (LineClient a = LineClient.connect(chat.tcp()); LineClient b = joinAfter(a)) {
            b.send("/quit\r\n");
            b.assertClosedByServer();
        }
    }

    @Test
    void quitIsOnlyACommandOnALineOfItsOwn() throws Exception {
        try (LineClient a = LineClient.connect(chat.tcp()); LineClient b = joinAfter(a)) {
            b.sendLine("/quit now");
            b.sendLine(" /sair");
            assertThat(a.readLine()).isEqualTo("[" + b.peer() + "] /quit now");
            assertThat(a.readLine()).isEqualTo("[" + b.peer() + "]  /sair");
        }
    }

    private void awaitRoomSize(int size) throws Exception {
        Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == size, "the room to have " + size + " member(s)");
    }
}
