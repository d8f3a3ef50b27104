package io.loopwire.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time by the JDK's {@code keytool}: self-signed EC keys in PKCS#12 ({@code name.p12},
 * password {@link #PASSWORD}) and the certificate as PEM ({@code name.pem}) to trust them by.
 *
 * @implNote Blocks while keytool runs; call it from the test thread, never from a loop.
 */
public final class TestCertificates {
    /** The key stores' password (test-only). */
    public static final char[] PASSWORD = "test-only".toCharArray();

    private TestCertificates() {
    }

    /**
     * Makes {@code name.p12} and {@code name.pem} in {@code dir}: subject alternative names {@code san} (e.g.
     * {@code dns:localhost,ip:127.0.0.1}), valid for {@code days} from {@code start} (keytool's {@code -startdate},
     * e.g. {@code -10d}; null for now).
     */
    public static void make(Path dir, String name, String san, String start, int days) throws Exception {
        List<String> gen = new ArrayList<>(List.of("-genkeypair", "-alias", "s", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=" + name, "-ext", "san=" + san, "-validity", Integer.toString(days),
                "-keystore", name + ".p12", "-storetype", "PKCS12", "-storepass", new String(PASSWORD),
                "-keypass", new String(PASSWORD)));
        if (start != null) {
            gen.addAll(List.of("-startdate", start));
        }
        keytool(dir, gen);
        keytool(dir, List.of("-exportcert", "-rfc", "-alias", "s", "-keystore", name + ".p12", "-storepass",
                new String(PASSWORD), "-file", name + ".pem"));
    }

    private static void keytool(Path dir, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool " + args + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
    }
}
