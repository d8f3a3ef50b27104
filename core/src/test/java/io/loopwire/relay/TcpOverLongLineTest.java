package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A line over {@code maxFrameBytes}: the sender gets one error line and is disconnected; nobody else notices. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TcpOverLongLineTest {
    private static final int MAX_FRAME_BYTES = 64;
    private static final String ERROR = "! error: line longer than 64 bytes";

    private RunningServer chat;

    @BeforeEach
    void startServer() throws Exception {
        chat = RunningServer.start(b -> b.maxFrameBytes(MAX_FRAME_BYTES));
    }

    @AfterEach
    void stopServer() {
        chat.close();
    }

    @Test
    void overLongLineEarnsExactlyOneErrorLineThenEndOfStream() throws Exception {
        try (LineClient other = LineClient.connect(chat.tcp()); LineClient sender = LineClient.connect(chat.tcp())) {
            assertThat(other.readLine()).isEqualTo("* " + sender.peer() + " joined");

            sender.sendLine("x".repeat(200));
            assertThat(sender.readLine()).isEqualTo(ERROR);
            sender.assertClosedByServer();
            sender.close();

            // Nothing of the long line reaches the others, only the leave notice.
            assertThat(other.readLine()).isEqualTo("* " + sender.peer() + " left");
        }
    }

    @Test
    void overLongLineWithoutNewlineIsRefusedToo() throws Exception {
        try (LineClient other = LineClient.connect(chat.tcp()); LineClient sender = LineClient.connect(chat.tcp())) {
            assertThat(other.readLine()).isEqualTo("* " + sender.peer() + " joined");

            sender.send("y".repeat(40));
            sender.send("y".repeat(40)); // 80 bytes and no end in sight, over two writes
            assertThat(sender.readLine()).isEqualTo(ERROR);
            sender.assertClosedByServer();
            sender.close();
            assertThat(other.readLine()).isEqualTo("* " + sender.peer() + " left");
        }
    }

    @Test
    void lineOfExactlyTheLimitIsRelayed() throws Exception {
        try (LineClient other = LineClient.connect(chat.tcp()); LineClient sender = LineClient.connect(chat.tcp())) {
            assertThat(other.readLine()).isEqualTo("* " + sender.peer() + " joined");

            String longest = "z".repeat(MAX_FRAME_BYTES);
            sender.send(longest + "\r\n");
            assertThat(other.readLine()).isEqualTo("[" + sender.peer() + "] " + longest);
        }
    }
}
