package io.loopwire.bench;

import io.loopwire.wire.PeerName;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A tiny {@code --name value} / {@code --flag} parser shared by the benchmark mains, so each main keeps its
 * argument handling to a few lines. Bad arguments throw {@link IllegalArgumentException} naming the argument;
 * {@link #exitWithUsage} turns that into the CLI contract (one-line error, usage, exit status 2), and {@code --help}
 * into the usage on stdout with exit status 0.
 */
public final class Cli {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags;

    private Cli(Set<String> flags) {
        this.flags = flags;
    }

    /**
     * @param options option names (without {@code --}) that take a value
     * @param flags   option names that take none
     */
    public static Cli parse(String[] argv, Set<String> options, Set<String> flags) {
        Cli cli = new Cli(flags);
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new HelpRequested();
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + arg);
            }
            String name = arg.substring(2);
            if (flags.contains(name)) {
                cli.values.put(name, "true");
            } else if (options.contains(name)) {
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                cli.values.put(name, argv[++i]);
            } else {
                throw new IllegalArgumentException("unknown option: " + arg);
            }
        }
        return cli;
    }

    public boolean flag(String name) {
        assert flags.contains(name) : name;
        return values.containsKey(name);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public long number(String name, long fallback, long min, long max) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": not a number: " + v);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("--" + name + " must be in [" + min + ", " + max + "], got " + n);
        }
        return n;
    }

    public int port(String name, int fallback) {
        return (int) number(name, fallback, 0, 65535);
    }

    public Duration duration(String name, Duration fallback) {
        String v = values.get(name);
        return v == null ? fallback : parseDuration("--" + name, v);
    }

    public InetAddress address(String name, String fallback) {
        String v = string(name, fallback);
        try {
            return InetAddress.getByName(v);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--" + name + ": unknown host: " + v);
        }
    }

    public InetSocketAddress socketAddress(String hostName, String hostFallback, String portName, int portFallback) {
        return new InetSocketAddress(address(hostName, hostFallback), port(portName, portFallback));
    }

    /** Parses {@code 500ms}, {@code 2s}, {@code 10m}, {@code 1h}, or a bare number of seconds. */
    public static Duration parseDuration(String what, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            } else if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": not a duration (500ms, 2s, 10m, 1h): " + text);
        }
    }

    /** {@code ip:port} as the chat server prints peers. */
    public static String hostPort(InetSocketAddress address) {
        return PeerName.of(address);
    }

    public static void exitWithUsage(IllegalArgumentException error, String usage) {
        if (error instanceof HelpRequested) {
            System.out.println(usage);
            System.exit(0);
        }
        System.err.println("error: " + error.getMessage());
        System.err.println(usage);
        System.exit(2);
    }

    /** {@code --help} or {@code -h}: {@link #exitWithUsage} prints the usage on stdout and exits 0. */
    static final class HelpRequested extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super("help requested");
        }
    }
}
