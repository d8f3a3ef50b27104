package io.loopwire.tls;

import io.loopwire.testkit.TestCerts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Assumptions;

/** One test CA and a {@code localhost} server certificate per test JVM, made with openssl on first use. */
final class TlsFixture {
    private static TestCerts certs;

    private TlsFixture() {
    }

    /** The shared certificates; skips the calling test when openssl is missing. */
    static synchronized TestCerts certs() throws IOException, InterruptedException {
        Assumptions.assumeTrue(TestCerts.available(), TestCerts.MISSING);
        if (certs == null) {
            Path dir = Files.createTempDirectory("loopwire-tls-");
            dir.toFile().deleteOnExit();
            certs = TestCerts.newCa(dir).issue("server", "ec");
        }
        return certs;
    }

    static SSLContext serverContext() throws IOException, InterruptedException {
        TestCerts c = certs();
        return PemFiles.serverContext(c.chain("server"), c.key("server"));
    }

    static SSLContext clientContext() throws IOException, InterruptedException {
        return PemFiles.clientContext(certs().caPem());
    }
}
