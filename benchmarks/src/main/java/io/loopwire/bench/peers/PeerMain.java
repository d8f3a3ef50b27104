package io.loopwire.bench.peers;

import io.loopwire.bench.Cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;

/** The CLI shared by the peers: {@code [--bind 127.0.0.1] [--tcp-port 12345] [--udp-port 12345]}. */
final class PeerMain {
    static final String USAGE_OPTIONS = "[--bind 127.0.0.1] [--tcp-port 12345] [--udp-port 12345]";

    /** What a peer main needs from the command line. */
    record Options(InetSocketAddress tcp, InetSocketAddress udp, Cli cli) {
    }

    private PeerMain() {
    }

    /** Parses the shared options, and {@code extra} valued options the caller reads from {@link Options#cli}. */
    static Options parse(String[] argv, String usage, String... extra) {
        try {
            Set<String> names = new java.util.HashSet<>(Set.of("bind", "tcp-port", "udp-port"));
            names.addAll(Set.of(extra));
            Cli cli = Cli.parse(argv, names, Set.of());
            InetAddress bind = cli.address("bind", "127.0.0.1");
            return new Options(new InetSocketAddress(bind, cli.port("tcp-port", 12345)),
                    new InetSocketAddress(bind, cli.port("udp-port", 12345)), cli);
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, usage);
            throw e;
        }
    }

    /** Prints the {@code ready} line (the one line on stdout), closes the server on SIGTERM, and blocks. */
    static void serveUntilKilled(InetSocketAddress tcp, InetSocketAddress udp, AutoCloseable server)
            throws InterruptedException {
        serveUntilKilled(tcp, udp, null, server);
    }

    /** As above; the ready line ends {@code  tls=<ip>:<port>} when {@code tls} is not null, as loopwire's does. */
    static void serveUntilKilled(InetSocketAddress tcp, InetSocketAddress udp, InetSocketAddress tls,
            AutoCloseable server) throws InterruptedException {
        System.out.println("ready tcp=" + (tcp == null ? "-" : Cli.hostPort(tcp)) + " udp=" + Cli.hostPort(udp)
                + (tls == null ? "" : " tls=" + Cli.hostPort(tls)));
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("close failed: " + e);
            }
        }, "shutdown"));
        new java.util.concurrent.CountDownLatch(1).await();
    }

    static boolean isPing(byte[] a, int off, int len) {
        if (len == 6 && a[off + 4] == '\r' && a[off + 5] == '\n') {
            len = 4;
        } else if (len == 5 && a[off + 4] == '\n') {
            len = 4;
        }
        return len == 4 && a[off] == 'p' && a[off + 1] == 'i' && a[off + 2] == 'n' && a[off + 3] == 'g';
    }

    /**
     * An LWP1 probe or reply: magic, prober id (4), reply mark (bit 63) and sequence (8), send time (8), optional
     * padding. Answer a probe with {@link #markReply}; never answer a reply ({@link #isReply}).
     */
    static boolean isProbe(byte[] a, int off, int len) {
        return len >= 24 && a[off] == 'L' && a[off + 1] == 'W' && a[off + 2] == 'P' && a[off + 3] == '1';
    }

    /** Whether the LWP1 packet at {@code off} carries the reply mark (the top bit of its sequence). */
    static boolean isReply(byte[] a, int off) {
        return a[off + 8] < 0;
    }

    /** Sets the reply mark in the LWP1 packet at {@code off}. */
    static void markReply(byte[] a, int off) {
        a[off + 8] |= (byte) 0x80;
    }
}
