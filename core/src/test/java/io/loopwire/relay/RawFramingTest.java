package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.relay.ChatServer.Framing;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Raw framing (the original clients): each read is one message, no newline needed. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RawFramingTest {
    private RunningServer chat;

    @BeforeEach
    void startServer() throws Exception {
        chat = RunningServer.start(b -> b.framing(Framing.RAW));
    }

    @AfterEach
    void stopServer() {
        chat.close();
    }

    @Test
    void textWithoutNewlineIsRelayedAsOneMessage() throws Exception {
        try (LineClient a = LineClient.connect(chat.tcp()); LineClient b = LineClient.connect(chat.tcp())) {
            assertThat(a.readLine()).isEqualTo("* " + b.peer() + " joined");

            a.send("Olá, tudo bem?");
            assertThat(b.readLine()).isEqualTo("[" + a.peer() + "] Olá, tudo bem?");

            // A trailing newline (a client that sends one) is not doubled.
            b.send("Tudo, e você?\n");
            assertThat(a.readLine()).isEqualTo("[" + b.peer() + "] Tudo, e você?");
        }
    }

    @Test
    void sairClosesTheSessionInRawModeToo() throws Exception {
        try (LineClient a = LineClient.connect(chat.tcp()); LineClient b = LineClient.connect(chat.tcp())) {
            assertThat(a.readLine()).isEqualTo("* " + b.peer() + " joined");
            b.send("/sair");
            b.assertClosedByServer();
            b.close();
            assertThat(a.readLine()).isEqualTo("* " + b.peer() + " left");
        }
    }
}
