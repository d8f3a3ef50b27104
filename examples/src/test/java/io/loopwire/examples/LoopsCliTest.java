package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code server --loops N}: one room over N loops, from outside; bad values are usage errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopsCliTest {
    private static final Pattern READY = Pattern.compile("ready tcp=127\\.0\\.0\\.1:(\\d+) udp=.*");

    @Test
    void twoLoopsServeOneRoom() throws Exception {
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--loops", "2")) {
            Matcher m = READY.matcher(server.awaitLine("the ready line", line -> line.startsWith("ready ")));
            assertThat(m.matches()).as(server.describe()).isTrue();
            int port = Integer.parseInt(m.group(1));
            List<Socket> sockets = new ArrayList<>();
            try {
                // Eight members: the kernel spreads them over both loops' listeners (SO_REUSEPORT).
                for (int i = 0; i < 8; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    s.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
                    sockets.add(s);
                }
                Socket last = sockets.get(sockets.size() - 1);
                String lastPeer = "127.0.0.1:" + last.getLocalPort();
                // Everyone is in once each has seen the last member's join.
                List<BufferedReader> readers = new ArrayList<>();
                for (Socket s : sockets.subList(0, sockets.size() - 1)) {
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.UTF_8));
                    readers.add(r);
                    String line;
                    do {
                        line = r.readLine();
                    } while (line != null && !line.equals("* " + lastPeer + " joined"));
                    assertThat(line).isNotNull();
                }
                OutputStream out = last.getOutputStream();
                out.write("hello all loops\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                for (BufferedReader r : readers) {
                    // Join notices from the other loop may still come first: across loops, joins made at the same
                    // moment arrive in either order.
                    String line;
                    do {
                        line = r.readLine();
                    } while (line != null && line.startsWith("* "));
                    assertThat(line).isEqualTo("[" + lastPeer + "] hello all loops");
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    @Test
    void badLoopsAreUsageErrors() throws Exception {
        for (String[] args : new String[][] {{"server", "--loops", "0"}, {"server", "--loops", "many"},
                {"server", "--loops", "2", "--separate-rooms"}}) {
            try (JarProcess p = JarProcess.start(args)) {
                assertThat(p.awaitExit()).as(p.describe()).isEqualTo(2);
                assertThat(p.stderr().get(0)).as(p.describe()).contains("--loops");
                assertThat(p.stdout()).isEmpty();
            }
        }
    }
}
