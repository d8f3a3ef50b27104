package io.loopwire.examples;

import io.loopwire.tls.CertificateReloader;
import io.loopwire.tls.KeyStoreFiles;
import io.loopwire.tls.PemFiles;
import io.loopwire.tls.TlsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * The server's TLS listener options (a picocli mixin): the port, the certificate as PEM files or a PKCS#12 key store
 * (its password from a file or the environment, never the command line), optional client certificates, and the
 * handshake timeout. The files are re-read when they change ({@link CertificateReloader}).
 */
final class TlsServerOptions {
    /** How often the certificate files are checked for changes. */
    static final Duration RELOAD_CHECK = Duration.ofSeconds(5);

    @Option(names = "--tls-port", paramLabel = "PORT", description = "Also listen for TLS members on this port, in the "
            + "same room; 0 = any free port (default off). Needs --tls-cert and --tls-key, or --tls-keystore.")
    Integer port;
    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain (the server's first).")
    Path cert;
    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key, unencrypted PKCS#8 (RSA or EC).")
    Path key;
    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "PKCS#12 key store instead of PEM files.")
    Path keystore;
    @Option(names = "--tls-keystore-password-file", paramLabel = "FILE",
            description = "File whose first line is the key store's password.")
    Path passwordFile;
    @Option(names = "--tls-keystore-password-env", paramLabel = "VAR",
            description = "Environment variable holding the key store's password.")
    String passwordEnv;
    @Option(names = "--tls-client-ca", paramLabel = "FILE",
            description = "Require client certificates signed by the CAs in this PEM file.")
    Path clientCa;
    @Option(names = "--tls-handshake-timeout", paramLabel = "DURATION",
            defaultValue = "10s", converter = Units.DurationConverter.class,
            description = "Close TLS clients that have not finished the handshake after this long"
                    + " (default ${DEFAULT-VALUE}). Certificate files are re-read within 5 s of a change.")
    Duration handshakeTimeout;

    boolean enabled() {
        return port != null;
    }

    void check() {
        if (port == null) {
            Args.check(cert == null && key == null && keystore == null && clientCa == null,
                    "--tls-cert, --tls-key, --tls-keystore and --tls-client-ca need --tls-port");
            return;
        }
        Args.checkPort("--tls-port", port);
        Args.check(!handshakeTimeout.isZero() && !handshakeTimeout.isNegative(),
                "--tls-handshake-timeout must be positive");
        boolean pem = cert != null || key != null;
        Args.check(pem != (keystore != null), "--tls-port needs --tls-cert and --tls-key, or --tls-keystore");
        if (pem) {
            Args.check(cert != null && key != null, "--tls-cert and --tls-key go together");
            Args.check(passwordFile == null && passwordEnv == null, "a key store password needs --tls-keystore");
        } else {
            Args.check((passwordFile == null) != (passwordEnv == null), "--tls-keystore needs its password from"
                    + " --tls-keystore-password-file or --tls-keystore-password-env (exactly one)");
        }
        for (Path file : files()) {
            Args.check(Files.isReadable(file), "cannot read " + file);
        }
    }

    private List<Path> files() {
        List<Path> files = new ArrayList<>();
        for (Path p : new Path[] {cert, key, keystore, passwordFile, clientCa}) {
            if (p != null) {
                files.add(p);
            }
        }
        return files;
    }

    /** The config, its context re-read when the files change (close the reloader on exit). */
    TlsConfig config(List<AutoCloseable> toClose) throws IOException {
        Callable<SSLContext> load = keystore != null
                ? () -> KeyStoreFiles.serverContext(keystore, KeyStoreFiles.readPassword(passwordFile, passwordEnv),
                        clientCa)
                : () -> PemFiles.serverContext(cert, key, clientCa);
        CertificateReloader reloader = CertificateReloader.start(load, RELOAD_CHECK, files().toArray(new Path[0]));
        toClose.add(reloader);
        return TlsConfig.server(reloader).handshakeTimeout(handshakeTimeout).needClientAuth(clientCa != null).build();
    }
}
