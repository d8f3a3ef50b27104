package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.testkit.TestCerts;
import io.loopwire.tls.PemFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar's TLS doors: {@code server --tls-port} beside the plaintext port (one room), {@code tcp-client --tls} that
 * verifies a certificate from a test CA issued for {@code localhost} and refuses {@code --host 127.0.0.1} (exit 1,
 * nothing sent), and {@code --tcp-port off}.
 *
 * <p>A member hears only the joins that come after its own, and two client processes started together join in either
 * order: so each test's first member is the test's own watcher socket, which joins before any process starts, and
 * each client process is started only once the watcher has heard the one before it join.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsCliTest {
    private static final Pattern READY = Pattern.compile(
            "ready tcp=(\\S+) udp=127\\.0\\.0\\.1:\\d+ tls=127\\.0\\.0\\.1:(\\d+)");

    private static String joined(String notice) {
        assertThat(notice).matches("\\* 127\\.0\\.0\\.1:\\d+ joined");
        return notice.substring(2, notice.length() - " joined".length());
    }

    /** A member held by the test: {@code socket} is connected (and, for TLS, its handshake done). */
    private static BufferedReader watcher(Socket socket) throws Exception {
        socket.setSoTimeout((int) JarProcess.ARRIVES.toMillis());
        if (socket instanceof SSLSocket tls) {
            tls.startHandshake();
        }
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The watcher's next line; a timeout fails naming {@code process} and what it printed. */
    private static String heard(BufferedReader watcher, String what, JarProcess process) throws Exception {
        try {
            return watcher.readLine();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the watcher did not hear " + what + " within " + JarProcess.ARRIVES.toMillis()
                    + " ms; " + process.describe(), e);
        }
    }

    private static SSLSocket tlsWatcherSocket(TestCerts certs, String port) throws Exception {
        SSLSocket socket = (SSLSocket) PemFiles.clientContext(certs.caPem()).getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(port)), 5000);
        return socket;
    }

    @Test
    void tlsAndPlaintextClientsChatAndAWrongHostNameIsRefused(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestCerts.available(), TestCerts.MISSING);
        TestCerts certs = TestCerts.newCa(dir).issue("server", "rsa");
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", "--tls-port", "0",
                "--tls-cert", certs.chain("server").toString(), "--tls-key", certs.key("server").toString())) {
            Matcher ready = READY.matcher(server.awaitLine("the ready line", line -> line.startsWith("ready ")));
            assertThat(ready.matches()).as(server.describe()).isTrue();
            String tcpPort = ready.group(1).substring(ready.group(1).lastIndexOf(':') + 1);
            String tlsPort = ready.group(2);
            try (Socket watcherSocket = new Socket("127.0.0.1", Integer.parseInt(tcpPort))) {
                BufferedReader watcher = watcher(watcherSocket);
                try (JarProcess plain = JarProcess.start("tcp-client", "--port", tcpPort)) {
                    joined(heard(watcher, "plain's join", plain)); // in the room: it will hear the TLS client join
                    secureAndWrongName(certs, tlsPort, plain);
                }
            }
        }
    }

    private static void secureAndWrongName(TestCerts certs, String tlsPort, JarProcess plain) throws Exception {
        try (JarProcess secure = JarProcess.start("tcp-client", "--tls", "--tls-ca", certs.caPem().toString(),
                "--host", "localhost", "--port", tlsPort)) {
            String securePeer = joined(plain.awaitLine("the TLS client's join", l -> l.endsWith(" joined")));
            secure.sendLine("hello over TLS");
            plain.awaitLine("[" + securePeer + "] hello over TLS");
            plain.sendLine("hello in the clear");
            secure.awaitLine("the plaintext line", l -> l.endsWith("] hello in the clear"));

            try (JarProcess wrongName = JarProcess.start("tcp-client", "--tls", "--tls-ca",
                    certs.caPem().toString(), "--host", "127.0.0.1", "--port", tlsPort)) {
                wrongName.sendLine("must never arrive");
                assertThat(wrongName.awaitExit()).as(wrongName.describe()).isEqualTo(1);
                assertThat(String.join("\n", wrongName.stderr())).contains("TLS with 127.0.0.1:" + tlsPort
                        + " failed");
            }
            secure.sendLine("/quit");
            assertThat(secure.awaitExit()).isZero();
            plain.awaitLine("* " + securePeer + " left");
        }
        assertThat(plain.stdout()).noneMatch(l -> l.contains("must never arrive"));
    }

    @Test
    void plaintextOffLeavesOnlyTheTlsDoor(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestCerts.available(), TestCerts.MISSING);
        TestCerts certs = TestCerts.newCa(dir).issue("server", "ec");
        Path password = dir.resolve("password");
        java.nio.file.Files.writeString(password, TestCerts.P12_PASSWORD + "\n");
        try (JarProcess server = JarProcess.start("server", "--tcp-port", "off", "--udp-port", "0", "--tls-port", "0",
                "--tls-keystore", certs.p12("server").toString(), "--tls-keystore-password-file",
                password.toString())) {
            Matcher ready = READY.matcher(server.awaitLine("the ready line", line -> line.startsWith("ready ")));
            assertThat(ready.matches()).as(server.describe()).isTrue();
            assertThat(ready.group(1)).isEqualTo("off");
            String tlsPort = ready.group(2);
            try (SSLSocket watcherSocket = tlsWatcherSocket(certs, tlsPort)) {
                BufferedReader watcher = watcher(watcherSocket); // handshake done: in the room before a starts
                try (JarProcess a = JarProcess.start("tcp-client", "--tls", "--tls-insecure", "--host", "127.0.0.1",
                        "--port", tlsPort)) {
                    joined(heard(watcher, "a's join", a)); // a is in the room: it will hear b join
                    try (JarProcess b = JarProcess.start("tcp-client", "--tls", "--tls-ca", certs.caPem().toString(),
                            "--host", "localhost", "--port", tlsPort)) {
                        String bPeer = joined(heard(watcher, "b's join", b));
                        a.awaitLine("* " + bPeer + " joined");
                        b.sendLine("only TLS here");
                        a.awaitLine("[" + bPeer + "] only TLS here");
                    }
                }
            }
        }
    }

    @Test
    void theHelpNamesEveryTlsOption() throws Exception {
        try (JarProcess help = JarProcess.start("server", "--help")) {
            help.awaitExit();
            assertThat(String.join("\n", help.stdout())).contains("--tls-port", "--tls-cert", "--tls-key",
                    "--tls-keystore", "--tls-keystore-password-file", "--tls-keystore-password-env", "--tls-client-ca",
                    "--tls-handshake-timeout", "--tcp-port=PORT|off");
        }
        try (JarProcess help = JarProcess.start("tcp-client", "--help")) {
            help.awaitExit();
            assertThat(String.join("\n", help.stdout())).contains("--tls", "--tls-ca", "--tls-insecure");
        }
    }
}
