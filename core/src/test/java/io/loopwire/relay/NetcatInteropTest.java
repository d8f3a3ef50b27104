package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.testkit.ExternalProcess;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two {@code nc} (netcat) clients chat through the server with line framing. A Java line client watches the room
 * and names the members from their join notices. Skipped when {@code nc} is not on PATH (CI installs
 * netcat-openbsd).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetcatInteropTest {

    @BeforeAll
    static void needsNetcat() {
        boolean present = ExternalProcess.onPath("nc");
        if (!present) {
            System.out.println("NetcatInteropTest skipped: nc (netcat) is not on PATH; "
                    + "install netcat-openbsd to run it");
        }
        Assumptions.assumeTrue(present, "nc is not on PATH");
    }

    private static ExternalProcess nc(String name, InetSocketAddress server) throws Exception {
        return ExternalProcess.start(name, List.of("nc", server.getAddress().getHostAddress(),
                String.valueOf(server.getPort())));
    }

    private static String joined(String notice) {
        assertThat(notice).matches("\\* 127\\.0\\.0\\.1:\\d+ joined");
        return notice.substring(2, notice.length() - " joined".length());
    }

    @Test
    void twoNetcatClientsChatWithLineFraming() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b);
             LineClient watcher = LineClient.connect(chat.tcp())) {
            Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == 1, "the watcher to join");
            try (ExternalProcess a = nc("nc-a", chat.tcp())) {
                String aPeer = joined(watcher.readLine());
                try (ExternalProcess b = nc("nc-b", chat.tcp())) {
                    String bPeer = joined(watcher.readLine());
                    a.awaitLine("* " + bPeer + " joined");

                    a.sendLine("olá from nc a");
                    b.awaitLine("[" + aPeer + "] olá from nc a");
                    assertThat(watcher.readLine()).isEqualTo("[" + aPeer + "] olá from nc a");

                    b.sendLine("hello back from nc b");
                    a.awaitLine("[" + bPeer + "] hello back from nc b");
                    assertThat(watcher.readLine()).isEqualTo("[" + bPeer + "] hello back from nc b");

                    watcher.sendLine("and from java");
                    a.awaitLine("[" + watcher.peer() + "] and from java");
                    b.awaitLine("[" + watcher.peer() + "] and from java");

                    // /quit: the server ends a's session (it flushes, shuts its side, closes when nc closes or
                    // after its close timeout); the others see a leave, never the command.
                    a.sendLine("/quit");
                    assertThat(watcher.readLine()).isEqualTo("* " + aPeer + " left");
                    b.awaitLine("* " + aPeer + " left");

                    assertThat(a.stdout()).noneMatch(line -> line.startsWith("[" + aPeer + "]"));
                    assertThat(b.stdout()).noneMatch(line -> line.startsWith("[" + bPeer + "]"));
                    assertThat(b.stdout()).noneMatch(line -> line.contains("/quit"));
                }
                // Killing nc b is a disconnect like any other.
                assertThat(watcher.readLine()).endsWith(" left");
            }
        }
    }
}
