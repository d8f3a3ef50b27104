package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.relay.ChatClients.UdpClient;
import io.loopwire.relay.ChatServer.Framing;
import io.loopwire.testkit.ChatScript;
import io.loopwire.testkit.ExternalProcess;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The original system's Python clients (re-created from the seed in {@code src/test/resources/python/}) chat through
 * a {@link ChatServer}: TCP with raw framing (they send text with no newline), UDP with the defaults, and the
 * monitor's bare {@code ping}. A Java line client watches the room. Skipped when {@code python3} is missing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PythonInteropTest {
    private static final String PYTHON = "python3";
    private static final String PEER = "127\\.0\\.0\\.1:\\d+";

    @BeforeAll
    static void needsPython() {
        boolean present = ExternalProcess.runs(PYTHON, "--version");
        if (!present) {
            System.out.println("PythonInteropTest skipped: '" + PYTHON + " --version' did not run");
        }
        Assumptions.assumeTrue(present, "python3 is not on PATH");
    }

    private static ExternalProcess python(String script, InetSocketAddress server, String... more) throws Exception {
        Path path = Path.of(resource(script));
        List<String> command = new java.util.ArrayList<>(List.of(PYTHON, "-u", path.toString(),
                server.getAddress().getHostAddress(), String.valueOf(server.getPort())));
        command.addAll(List.of(more));
        return ExternalProcess.start(script, command);
    }

    private static java.net.URI resource(String script) throws URISyntaxException {
        return PythonInteropTest.class.getResource("/python/" + script).toURI();
    }

    /** From a join notice {@code * ip:port joined}, the {@code ip:port}. */
    private static String joined(String notice) {
        assertThat(notice).matches("\\* " + PEER + " joined");
        return notice.substring(2, notice.length() - " joined".length());
    }

    @Test
    void originalTcpClientsChatThroughRawFraming() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b.framing(Framing.RAW));
             LineClient watcher = LineClient.connect(chat.tcp());
             ExternalProcess a = python("tcp_client.py", chat.tcp())) {
            a.awaitLine("Conectado ao servidor.");
            // The watcher's join notice says a is a member, and names it.
            String aPeer = joined(watcher.readLine());
            try (ExternalProcess b = python("tcp_client.py", chat.tcp())) {
                b.awaitLine("Conectado ao servidor.");
                String bPeer = joined(watcher.readLine());
                a.awaitLine("* " + bPeer + " joined");

                ChatScript.inTurn(List.of(ChatScript.of(a, aPeer), ChatScript.of(b, bPeer), watcher.party()),
                        "Olá, tudo bem?", "Olá! Tudo, e com você?", "from a line client");

                // "/sair" closes the client's socket: the others see it leave.
                a.sendLine("/sair");
                assertThat(a.awaitExit(Duration.ofSeconds(10))).isZero();
                assertThat(watcher.readLine()).isEqualTo("* " + aPeer + " left");
                b.awaitLine("* " + aPeer + " left");

                ChatScript.neverHeardItself(a, aPeer);
                ChatScript.neverHeardItself(b, bPeer);

                b.closeStdin();
                assertThat(b.awaitExit(Duration.ofSeconds(10))).isZero();
                assertThat(watcher.readLine()).isEqualTo("* " + bPeer + " left");
            }
        }
    }

    @Test
    void originalUdpClientsChatWithEachOtherAndWithTcp() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b); LineClient watcher = LineClient.connect(chat.tcp())) {
            Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == 1, "the watcher to join");
            chatOverUdp(chat, watcher);
        }
    }

    private void chatOverUdp(RunningServer chat, LineClient watcher) throws Exception {
        try (ExternalProcess a = python("udp_client.py", chat.udp())) {
            String aPeer = "127.0.0.1:" + a.awaitLine("'bound <port>'", line -> line.startsWith("bound ")).substring(6);
            assertThat(aPeer).matches(PEER);
            assertThat(Integer.parseInt(aPeer.substring(10))).isBetween(8000, 9000);
            assertThat(watcher.readLine()).isEqualTo("* " + aPeer + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + aPeer + "] Novo participante no chat.");

            try (ExternalProcess b = python("udp_client.py", chat.udp())) {
                String bPeer = "127.0.0.1:" + b.awaitLine("'bound <port>'", l -> l.startsWith("bound ")).substring(6);
                assertThat(watcher.readLine()).isEqualTo("* " + bPeer + " joined");
                assertThat(watcher.readLine()).isEqualTo("[" + bPeer + "] Novo participante no chat.");
                a.awaitLine("* " + bPeer + " joined");
                a.awaitLine("[" + bPeer + "] Novo participante no chat.");

                ChatScript.inTurn(List.of(ChatScript.of(b, bPeer), ChatScript.of(a, aPeer), watcher.party()),
                        "Olá, tudo bem?", "Tudo bem, e com você?", "Também, pelo TCP");

                b.sendLine("/sair");
                assertThat(b.awaitExit(Duration.ofSeconds(10))).isZero();
                assertThat(watcher.readLine()).isEqualTo("* " + bPeer + " left");
                a.awaitLine("* " + bPeer + " left");

                ChatScript.neverHeardItself(a, aPeer);
                ChatScript.neverHeardItself(b, bPeer);
                // The datagrams end in '\n' (for nc -u) and the original client's print adds one: each line shows
                // once, followed by an empty line.
                assertThat(a.stdout()).as("a's lines").filteredOn(l -> !l.isEmpty()).doesNotHaveDuplicates()
                        .contains("* " + bPeer + " left", "[" + bPeer + "] Olá, tudo bem?");
            }
        }
    }

    @Test
    void originalMonitorsBarePingGetsPingBackAndReachesNobody() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b);
             LineClient watcher = LineClient.connect(chat.tcp());
             UdpClient member = new UdpClient(chat.udp())) {
            Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == 1, "the watcher to join");
            member.send("member here");
            assertThat(watcher.readLine()).isEqualTo("* " + member.peer() + " joined");
            assertThat(watcher.readLine()).isEqualTo("[" + member.peer() + "] member here");

            try (ExternalProcess monitor = python("ping_probe.py", chat.udp(), "3")) {
                assertThat(monitor.awaitExit(Duration.ofSeconds(15))).as("stdout %s", monitor.stdout()).isZero();
                assertThat(monitor.stdout()).hasSize(3)
                        .allMatch(line -> line.matches("reply=ping latency_ms=[0-9.]+ (Normal|Lenta|Muito Lenta)"));
            }
            // The pings reached nobody: the next messages each side sees are the markers.
            watcher.sendLine("marker");
            assertThat(member.receive()).isEqualTo("[" + watcher.peer() + "] marker");
            member.send("marker back");
            assertThat(watcher.readLine()).isEqualTo("[" + member.peer() + "] marker back");
            assertThat(chat.udpMembers()).isEqualTo(1);
            assertThat(chat.reactor.call(() -> chat.server.udpRelay().pingEcho().pingsAnswered())).isEqualTo(3);
        }
    }
}
