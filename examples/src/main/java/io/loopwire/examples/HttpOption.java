package io.loopwire.examples;

import io.loopwire.examples.web.HttpEndpoint;
import io.loopwire.examples.web.LoopMetrics;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import picocli.CommandLine.Option;

/** {@code --http-port}, shared by server and monitor (a picocli mixin), and serving on it. */
final class HttpOption {
    @Option(names = "--http-port", paramLabel = "P", description = "Serve /metrics and /healthz (the monitor: also "
            + "its live page) on this port of the bind address; 0 = any free port (default off).")
    Integer port;

    boolean enabled() {
        return port != null;
    }

    void check() {
        if (port != null) {
            Args.checkPort("--http-port", port);
        }
    }

    /** Serves on {@code address:port}; a port in use is a clear one-line error on stderr and null. */
    HttpEndpoint serve(String command, LoopMetrics metrics, InetAddress address) throws IOException {
        try {
            return metrics.serve(address, port);
        } catch (BindException e) {
            System.err.println(command + ": cannot serve HTTP on " + address.getHostAddress() + ":" + port + ": "
                    + e.getMessage() + " - try another --http-port or 0.");
            return null;
        }
    }
}
