package io.loopwire.alert;

import io.loopwire.probe.LinkState;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** Shared helpers for the e-mail tests: ports, a self-signed certificate, log capture, message parsing. */
final class MailTestSupport {

    static final String FROM = "monitor@example.com";
    static final String TO = "alerts@example.com";
    static final String USER = "loopwire";
    static final String PASSWORD = "s3cret-Pa55word-xyzzy";

    private static SSLContext sslContext;

    private MailTestSupport() {
    }

    /** A port that was free a moment ago on the loopback address. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** An SSLContext with a self-signed certificate for localhost/127.0.0.1, made once per run with keytool. */
    static synchronized SSLContext serverSslContext() throws Exception {
        if (sslContext != null) {
            return sslContext;
        }
        Path dir = Files.createTempDirectory("loopwire-cert");
        Path store = dir.resolve("smtp.p12");
        char[] pass = "changeit".toCharArray();
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "2", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit",
                "-keypass", "changeit").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, pass);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pass);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        Files.deleteIfExists(store);
        Files.deleteIfExists(dir);
        sslContext = ctx;
        return ctx;
    }

    static Alert alert(AlertKind kind, String target, LinkState state) {
        Instant now = Instant.now();
        return new Alert(kind, List.of(new TargetChange(target, LinkState.NORMAL, state, now,
                state == LinkState.DOWN ? -1 : 150_000_000, state == LinkState.DOWN ? "no reply" : "")), now);
    }

    /** Parses raw RFC 5322 bytes as received by an SMTP server. */
    static MimeMessage parse(byte[] raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
    }

    /** The text parts of a message by content type (text/plain, text/html), wherever they are nested. */
    static Map<String, String> textParts(Part part) throws Exception {
        Map<String, String> parts = new LinkedHashMap<>();
        collect(part, parts);
        return parts;
    }

    private static void collect(Part part, Map<String, String> parts) throws Exception {
        Object content = part.getContent();
        if (content instanceof Multipart mp) {
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart bp = mp.getBodyPart(i);
                collect(bp, parts);
            }
        } else if (part.isMimeType("text/plain")) {
            parts.put("text/plain", content.toString());
        } else if (part.isMimeType("text/html")) {
            parts.put("text/html", content.toString());
        }
    }

    /**
     * Captures what slf4j-simple writes (to {@code System.err}, looked up on each write) while still passing it on.
     */
    static final class LogCapture implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        LogCapture() {
            OutputStream tee = new OutputStream() {
                @Override
                public synchronized void write(int b) {
                    buffer.write(b);
                    original.write(b);
                }

                @Override
                public synchronized void write(byte[] b, int off, int len) {
                    buffer.write(b, off, len);
                    original.write(b, off, len);
                }
            };
            System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        }

        String text() {
            synchronized (buffer) {
                return buffer.toString(StandardCharsets.UTF_8);
            }
        }

        /** Lines containing {@code needle}. */
        List<String> lines(String needle) {
            List<String> out = new ArrayList<>();
            for (String line : text().split("\n")) {
                if (line.contains(needle)) {
                    out.add(line);
                }
            }
            return out;
        }

        @Override
        public void close() {
            System.err.flush();
            System.setErr(original);
        }
    }
}
