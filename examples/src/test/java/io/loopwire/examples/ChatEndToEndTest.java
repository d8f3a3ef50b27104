package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.testkit.ChatScript;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The jar's {@code server}, {@code tcp-client} and {@code udp-client} as processes, chatting. A plain socket in the
 * test watches the room: its join notices say when a client process is a member (they print nothing on connect).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ChatEndToEndTest {
    private static final Pattern READY = Pattern.compile("ready tcp=(127\\.0\\.0\\.1):(\\d+) udp=(127\\.0\\.0\\.1):(\\d+)");
    private static final Pattern JOINED = Pattern.compile("\\* (127\\.0\\.0\\.1:\\d+) joined");

    @Test
    void tcpAndUdpClientsChatThroughTheServer() throws Exception {
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0")) {
            Matcher ready = READY.matcher(server.awaitLine("the ready line", line -> line.startsWith("ready ")));
            assertThat(ready.matches()).as(server.describe()).isTrue();
            assertThat(server.stdout()).hasSize(1);
            String tcpPort = ready.group(2);
            String udpPort = ready.group(4);

            try (Socket watcherSocket = new Socket()) {
                watcherSocket.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(tcpPort)), 5000);
                watcherSocket.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
                BufferedReader watcher = new BufferedReader(new InputStreamReader(watcherSocket.getInputStream(),
                        StandardCharsets.UTF_8));
                chat(tcpPort, udpPort, watcher);
            }
        }
    }

    private static String joined(BufferedReader watcher) throws Exception {
        String line = watcher.readLine();
        Matcher m = JOINED.matcher(String.valueOf(line));
        assertThat(m.matches()).as("join notice, got '%s'", line).isTrue();
        return m.group(1);
    }

    private void chat(String tcpPort, String udpPort, BufferedReader watcher) throws Exception {
        try (JarProcess a = JarProcess.start("tcp-client", "--port", tcpPort)) {
            String aPeer = joined(watcher);
            try (JarProcess b = JarProcess.start("tcp-client", "--host", "127.0.0.1", "--port", tcpPort)) {
                String bPeer = joined(watcher);
                a.awaitLine("* " + bPeer + " joined");

                ChatScript.Party listener = ChatScript.listener("watcher", watcher);
                ChatScript.inTurn(List.of(ChatScript.of(b, bPeer), ChatScript.of(a, aPeer), listener),
                        "Olá, tudo bem?", "Tudo, e com você?");

                try (JarProcess u = JarProcess.start("udp-client", "--port", udpPort)) {
                    // udp-client registers with a padded /hello: a join notice and nothing else.
                    String uPeer = joined(watcher);
                    a.awaitLine("* " + uPeer + " joined");
                    b.awaitLine("* " + uPeer + " joined");

                    ChatScript.inTurn(List.of(ChatScript.of(u, uPeer), ChatScript.of(a, aPeer),
                            ChatScript.of(b, bPeer), listener), "oi pelo UDP", "oi pelo TCP");

                    // EOF on stdin: b leaves and exits 0.
                    b.closeStdin();
                    assertThat(b.awaitExit()).as(b.describe()).isZero();
                    assertThat(watcher.readLine()).isEqualTo("* " + bPeer + " left");
                    a.awaitLine("* " + bPeer + " left");
                    u.awaitLine("* " + bPeer + " left");

                    // /quit: a leaves and exits 0, its stdin still open.
                    a.sendLine("/quit");
                    assertThat(a.awaitExit()).as(a.describe()).isZero();
                    assertThat(watcher.readLine()).isEqualTo("* " + aPeer + " left");
                    u.awaitLine("* " + aPeer + " left");

                    // EOF on the udp-client: it says /quit and exits 0.
                    u.closeStdin();
                    assertThat(u.awaitExit()).as(u.describe()).isZero();
                    assertThat(watcher.readLine()).isEqualTo("* " + uPeer + " left");

                    // Nobody heard their own words.
                    ChatScript.neverHeardItself(a, aPeer);
                    ChatScript.neverHeardItself(b, bPeer);
                    ChatScript.neverHeardItself(u, uPeer);
                    // The server's datagrams end in '\n': udp-client prints each once, without doubling it.
                    assertThat(u.stdout()).as("udp-client's lines").isNotEmpty().noneMatch(String::isEmpty)
                            .doesNotHaveDuplicates();
                }
            }
        }
    }

    @Test
    void udpClientAnswersTheChallengeOfAValidatingServerAndPrintsNothingExtra() throws Exception {
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0",
                "--udp-join", "validated")) {
            Matcher ready = READY.matcher(server.awaitLine("the ready line", line -> line.startsWith("ready ")));
            assertThat(ready.matches()).as(server.describe()).isTrue();
            try (Socket watcherSocket = new Socket()) {
                watcherSocket.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(ready.group(2))), 5000);
                watcherSocket.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
                BufferedReader watcher = new BufferedReader(new InputStreamReader(watcherSocket.getInputStream(),
                        StandardCharsets.UTF_8));
                try (JarProcess u = JarProcess.start("udp-client", "--port", ready.group(4))) {
                    u.sendLine("typed before the handshake finished"); // waits for * welcome, then goes out
                    String uPeer = joined(watcher);
                    assertThat(watcher.readLine()).isEqualTo("[" + uPeer + "] typed before the handshake finished");
                    write(watcherSocket, "hello from TCP\n");
                    u.awaitLine("[" + ready.group(1) + ":" + watcherSocket.getLocalPort() + "] hello from TCP");
                    u.closeStdin();
                    assertThat(u.awaitExit()).as(u.describe()).isZero();
                    assertThat(watcher.readLine()).isEqualTo("* " + uPeer + " left");
                    assertThat(u.stdout()).as("only the relayed line").hasSize(1);
                }
            }
        }
    }

    private static void write(Socket socket, String text) throws Exception {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    @Test
    void udpClientQuitsOnSair() throws Exception {
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0")) {
            Matcher ready = READY.matcher(server.awaitLine("the ready line", line -> line.startsWith("ready ")));
            assertThat(ready.matches()).isTrue();
            try (JarProcess u = JarProcess.start("udp-client", "--port", ready.group(4))) {
                u.sendLine("/sair");
                assertThat(u.awaitExit()).as(u.describe()).isZero();
            }
        }
    }
}
