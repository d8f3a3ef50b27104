package io.loopwire.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with {@code openssl} (nothing secret is committed): a test CA and server
 * certificates it signs for {@code localhost} only, as PEM (chain, PKCS#8 key) and PKCS#12. Tests that need them call
 * {@link #available()} and skip with {@link #MISSING} when it is false.
 *
 * <pre>
 * dir/ca.pem ca.key          the test CA
 * dir/NAME.pem               NAME's certificate, then the CA's (the chain a server sends)
 * dir/NAME.key               its unencrypted PKCS#8 key
 * dir/NAME.p12               both as PKCS#12, password {@link #P12_PASSWORD}
 * </pre>
 */
public final class TestCerts {
    public static final String MISSING = "openssl is not installed (Debian: apt-get install openssl)";
    public static final String P12_PASSWORD = "test-only-password";

    private final Path dir;

    private TestCerts(Path dir) {
        this.dir = dir;
    }

    /** Whether {@code openssl} runs here. */
    public static boolean available() {
        return ExternalProcess.onPath("openssl");
    }

    /** A new test CA in {@code dir} (created if missing). */
    public static TestCerts newCa(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TestCerts certs = new TestCerts(dir);
        certs.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=loopwire test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
        return certs;
    }

    /** Issues {@code name}: a certificate for {@code localhost} (DNS name only), key type "rsa" or "ec". */
    public TestCerts issue(String name, String keyType) throws IOException, InterruptedException {
        List<String> newKey = keyType.equals("rsa") ? List.of("-newkey", "rsa:2048")
                : List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1");
        List<String> req = new ArrayList<>(List.of("req", "-new", "-nodes", "-keyout", name + ".key", "-out",
                name + ".csr", "-subj", "/CN=localhost"));
        req.addAll(newKey);
        openssl(req.toArray(new String[0]));
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=DNS:localhost\n"
                + "extendedKeyUsage=serverAuth,clientAuth\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".leaf.pem", "-days", "2", "-extfile", name + ".ext");
        Files.writeString(dir.resolve(name + ".pem"), Files.readString(dir.resolve(name + ".leaf.pem"))
                + Files.readString(dir.resolve("ca.pem")));
        openssl("pkcs12", "-export", "-in", name + ".pem", "-inkey", name + ".key", "-out", name + ".p12",
                "-passout", "pass:" + P12_PASSWORD);
        return this;
    }

    public Path dir() {
        return dir;
    }

    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    public Path chain(String name) {
        return dir.resolve(name + ".pem");
    }

    public Path key(String name) {
        return dir.resolve(name + ".key");
    }

    public Path p12(String name) {
        return dir.resolve(name + ".p12");
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl " + args[0] + " did not finish within 30 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: "
                    + new String(output, StandardCharsets.UTF_8));
        }
    }
}
