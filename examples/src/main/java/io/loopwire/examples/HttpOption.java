package io.loopwire.examples;

import io.loopwire.examples.web.BearerToken;
import io.loopwire.examples.web.HttpEndpoint;
import io.loopwire.examples.web.LoopMetrics;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --http-port} and {@code --http-token-file}, shared by server and monitor (a picocli mixin), and serving. */
final class HttpOption {
    @Option(names = "--http-port", paramLabel = "P", description = "Serve /metrics and /healthz (the monitor: also "
            + "its live page) on this port of the bind address; 0 = any free port (default off).")
    Integer port;
    @Option(names = "--http-token-file", paramLabel = "FILE", description = "Require 'Authorization: Bearer TOKEN' "
            + "(the file's text, whitespace trimmed) on every HTTP path except /healthz; 401 without it. Sent in the "
            + "clear over plain HTTP (a warning says so).")
    Path tokenFile;

    private BearerToken token;

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
    }

    /** Serves on {@code address:port}; a port in use is a clear one-line error on stderr and null. */
    HttpEndpoint serve(String command, LoopMetrics metrics, InetAddress address) throws IOException {
        try {
            return metrics.endpoint(address, port).token(token).start();
        } catch (BindException e) {
            System.err.println(command + ": cannot serve HTTP on " + address.getHostAddress() + ":" + port + ": "
                    + e.getMessage() + " - try another --http-port or 0.");
            return null;
        }
    }
}
