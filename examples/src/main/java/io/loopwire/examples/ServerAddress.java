package io.loopwire.examples;

import java.net.InetSocketAddress;
import picocli.CommandLine.Option;

/** The {@code --host}/{@code --port} pair of the chat clients (a picocli mixin). */
final class ServerAddress {
    @Option(names = "--host", paramLabel = "HOST",
            defaultValue = "127.0.0.1", description = "Server host (default ${DEFAULT-VALUE}).")
    String host;
    @Option(names = "--port", paramLabel = "PORT",
            defaultValue = "12345", description = "Server port (default ${DEFAULT-VALUE}).")
    int port;

    /** The checked, resolved address; a bad value is a usage error. */
    InetSocketAddress resolve() {
        Args.checkPort("--port", port);
        return new InetSocketAddress(Args.address("--host", host), port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
