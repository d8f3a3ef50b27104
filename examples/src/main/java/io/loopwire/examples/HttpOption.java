package io.loopwire.examples;

import io.loopwire.examples.web.BearerToken;
import io.loopwire.examples.web.HttpEndpoint;
import io.loopwire.examples.web.LoopMetrics;
import io.loopwire.tls.PemFiles;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * {@code --http-port}, {@code --http-token-file} and HTTPS ({@code --http-tls-cert}, {@code --http-tls-key}), shared by
 * server and monitor (a picocli mixin), and serving.
 */
final class HttpOption {
    @Option(names = "--http-port", paramLabel = "PORT", description = "Serve /metrics and /healthz (the monitor: also "
            + "its live page) on this port of the bind address; 0 = any free port (default off).")
    Integer port;
    @Option(names = "--http-token-file", paramLabel = "FILE", description = "Require 'Authorization: Bearer TOKEN' "
            + "(the file's text, whitespace trimmed) on every HTTP path except /healthz; 401 without it. Sent in the "
            + "clear over plain HTTP (a warning says so).")
    Path tokenFile;
    @Option(names = "--http-tls-cert", paramLabel = "FILE", description = "Serve HTTPS with this PEM certificate chain "
            + "(with --http-tls-key), so Prometheus can scrape with tls_config.")
    Path tlsCert;
    @Option(names = "--http-tls-key", paramLabel = "FILE", description = "The PEM private key (unencrypted PKCS#8, "
            + "RSA or EC) of --http-tls-cert.")
    Path tlsKey;

    private BearerToken token;
    private SSLContext tls;

    boolean enabled() {
        return port != null;
    }

    /** Checks the options and reads the token file (a usage error if it cannot be read or is empty). */
    void check() {
        if (port != null) {
            Args.checkPort("--http-port", port);
        }
        if (tokenFile != null) {
            Args.check(port != null, "--http-token-file needs --http-port");
            try {
                token = BearerToken.read(tokenFile);
            } catch (IOException e) {
                throw new Args.UsageError("--http-token-file: cannot read " + tokenFile + ": " + e);
            } catch (IllegalArgumentException e) {
                throw new Args.UsageError("--http-token-file: " + e.getMessage());
            }
        }
        if (tlsCert != null || tlsKey != null) {
            Args.check(port != null, "--http-tls-cert and --http-tls-key need --http-port");
            Args.check(tlsCert != null && tlsKey != null, "--http-tls-cert and --http-tls-key go together");
            try {
                tls = PemFiles.serverContext(tlsCert, tlsKey);
            } catch (IOException | RuntimeException e) {
                throw new Args.UsageError("--http-tls-cert/--http-tls-key: " + e.getMessage());
            }
        }
    }

    /** Serves on {@code address:port}; a port in use is a clear one-line error on stderr and null. */
    HttpEndpoint serve(String command, LoopMetrics metrics, InetAddress address) throws IOException {
        try {
            HttpEndpoint.Builder endpoint = metrics.endpoint(address, port).token(token);
            if (tls != null) {
                endpoint.tls(tls);
            }
            return endpoint.start();
        } catch (BindException e) {
            System.err.println(command + ": cannot serve HTTP on " + address.getHostAddress() + ":" + port + ": "
                    + e.getMessage() + " - try another --http-port or 0.");
            return null;
        }
    }
}
