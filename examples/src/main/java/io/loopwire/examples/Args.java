package io.loopwire.examples;

import io.loopwire.wire.PeerName;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import picocli.CommandLine.TypeConversionException;

/** Argument checks shared by the sub-commands; a failed check is a usage error (exit status 2). */
final class Args {
    private Args() {
    }

    /**
     * A library message with each builder name replaced by its flag ({@code maxFrameBytes} → {@code --max-frame}): the
     * library checks each limit once, the CLI only says it in its own words.
     */
    static String withFlagNames(String message, Map<String, String> flags) {
        String said = message;
        for (Map.Entry<String, String> e : flags.entrySet()) {
            said = said.replaceAll("\\b" + e.getKey() + "\\b", e.getValue());
        }
        return said;
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new UsageError(message);
        }
    }

    static void checkPort(String option, int port) {
        check(port >= 0 && port <= 65535, option + " must be in 0..65535, was " + port);
    }

    static InetAddress address(String option, String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UsageError(option + ": unknown host '" + host + "'");
        }
    }

    /** A {@code host:port} option value. */
    static InetSocketAddress hostPort(String option, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new UsageError(option + " must be HOST:PORT, was '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UsageError(option + ": '" + text.substring(colon + 1) + "' is not a port");
        }
        checkPort(option, port);
        return new InetSocketAddress(address(option, text.substring(0, colon)), port);
    }

    static String hostPort(InetSocketAddress address) {
        return PeerName.of(address);
    }

    /** Thrown by checks; {@link Main} turns it into a one-line error, the usage, and exit status 2. */
    static final class UsageError extends TypeConversionException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }
}
