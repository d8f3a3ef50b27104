package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.testkit.ChatScript;
import io.loopwire.testkit.ExternalProcess;
import io.loopwire.testkit.TestCerts;
import io.loopwire.tls.PemFiles;
import io.loopwire.tls.TlsConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * IRC style: {@code openssl s_client} and {@code ncat --ssl} on the TLS listener and a plaintext {@code nc} on the
 * plaintext one, all in one room; each hears every other's lines exactly once. A plaintext Java client watches the
 * room and names the members from their join notices. Skipped (with the reason) without openssl, ncat or nc.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsChatInteropTest {

    private static String joined(String notice) {
        assertThat(notice).matches("\\* 127\\.0\\.0\\.1:\\d+ joined");
        return notice.substring(2, notice.length() - " joined".length());
    }

    @Test
    void opensslNcatAndPlainNcChatInOneRoom(@TempDir Path dir) throws Exception {
        for (String tool : List.of("openssl", "ncat", "nc")) {
            if (!ExternalProcess.onPath(tool)) {
                System.out.println("TlsChatInteropTest skipped: " + tool + " is not on PATH (Debian: openssl, ncat,"
                        + " netcat-openbsd)");
            }
            Assumptions.assumeTrue(ExternalProcess.onPath(tool), tool + " is not on PATH");
        }
        TestCerts certs = TestCerts.newCa(dir).issue("server", "rsa");
        TlsConfig tls = TlsConfig.server(PemFiles.serverContext(certs.chain("server"), certs.key("server"))).build();
        try (RunningServer chat = RunningServer.start(b -> b.tls(tls, 0));
             LineClient watcher = LineClient.connect(chat.tcp())) {
            Poll.until(ChatClients.ARRIVES, () -> chat.tcpRoomSize() == 1, "the watcher to join");
            String port = String.valueOf(chat.server.tlsAddress().getPort());
            try (ExternalProcess openssl = ExternalProcess.start("s_client", List.of("openssl", "s_client",
                    "-connect", "localhost:" + port, "-CAfile", certs.caPem().toString(), "-verify_return_error",
                    "-quiet", "-nocommands"))) {
                String opensslPeer = joined(watcher.readLine());
                try (ExternalProcess ncat = ExternalProcess.start("ncat", List.of("ncat", "--ssl",
                        "--ssl-trustfile", certs.caPem().toString(), "--ssl-verify", "localhost", port))) {
                    String ncatPeer = joined(watcher.readLine());
                    openssl.awaitLine("* " + ncatPeer + " joined");
                    try (ExternalProcess nc = ExternalProcess.start("nc", List.of("nc", "127.0.0.1",
                            String.valueOf(chat.tcp().getPort())))) {
                        String ncPeer = joined(watcher.readLine());
                        ncat.awaitLine("* " + ncPeer + " joined");
                        openssl.awaitLine("* " + ncPeer + " joined");

                        List<String> lines = List.of("from openssl s_client", "from ncat --ssl", "from plain nc");
                        ChatScript.inTurn(List.of(ChatScript.of(openssl, opensslPeer), ChatScript.of(ncat, ncatPeer),
                                ChatScript.of(nc, ncPeer), watcher.party()), lines.toArray(new String[0]));
                        // A last line from the watcher marks the end: everything before it has arrived.
                        watcher.sendLine("end");
                        for (ExternalProcess p : List.of(openssl, ncat, nc)) {
                            p.awaitLine("[" + watcher.peer() + "] end");
                        }
                        List<String> peers = List.of(opensslPeer, ncatPeer, ncPeer);
                        List<ExternalProcess> clients = List.of(openssl, ncat, nc);
                        for (int i = 0; i < 3; i++) {
                            for (int j = 0; j < 3; j++) {
                                String expected = "[" + peers.get(j) + "] " + lines.get(j);
                                long times = clients.get(i).stdout().stream().filter(expected::equals).count();
                                assertThat(times).as("%s heard %s", peers.get(i), expected).isEqualTo(i == j ? 0 : 1);
                            }
                        }
                    }
                }
            }
        }
    }
}
