package io.loopwire.examples;

import io.loopwire.Reactor;
import io.loopwire.ReactorFailedException;
import io.loopwire.ReactorGroup;
import io.loopwire.cluster.ClusterKey;
import io.loopwire.cluster.NatsRoomBridge;
import io.loopwire.examples.web.HttpEndpoint;
import io.loopwire.examples.web.LoopMetrics;
import io.loopwire.metrics.ChatServerMetrics;
import io.loopwire.metrics.ClusterMetrics;
import io.loopwire.relay.ChatServer;
import io.loopwire.relay.GroupChatServer;
import io.loopwire.relay.GroupRoom;
import io.loopwire.relay.JoinMode;
import io.loopwire.relay.UdpRelay;
import io.loopwire.tls.TlsConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code server}: the chat relay (TCP + UDP, ping echo) on one reactor thread, or on {@code --loops N}. */
@Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Relay chat between TCP and UDP clients on one loop; answer 'ping' with 'ping'.")
final class ServerMain implements Callable<Integer> {
    /** The builder's name of each limit, and the flag that sets it: the builder's message, printed with the flag. */
    private static final Map<String, String> LIMIT_FLAGS = Map.of("maxFrameBytes", "--max-frame",
            "maxOutboundBytes", "--max-outbound", "carryBudgetBytes", "--carry-budget", "udpMaxMembersPerIp",
            "--udp-max-members-per-ip", "udpMaxMembers", "--udp-max-members", "udpIdleTimeout", "--udp-idle-timeout",
            "windowBytes", "--loop-window", "stallTimeout", "--loop-stall-timeout", "packBelow", "--pack-below");

    @Option(names = "--bind", paramLabel = "HOST",
            defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String bind;
    @Option(names = "--tcp-port", defaultValue = "12345", paramLabel = "PORT|off",
            description = "Plaintext TCP port, 0 for any, off for none (default ${DEFAULT-VALUE}).")
    String tcpPortOption;
    int tcpPort;
    @Option(names = "--udp-port", paramLabel = "PORT",
            defaultValue = "12345", description = "UDP port, 0 for any (default ${DEFAULT-VALUE}).")
    int udpPort;
    @Option(names = "--framing", paramLabel = "line|raw",
            defaultValue = "line", description = "line or raw (default ${DEFAULT-VALUE}).")
    ChatServer.Framing framing;
    @Option(names = "--max-frame", paramLabel = "SIZE", defaultValue = "65536", converter = Units.SizeConverter.class,
            description = "Longest TCP message (default ${DEFAULT-VALUE} bytes).")
    long maxFrame;
    @Option(names = "--max-outbound", paramLabel = "SIZE", defaultValue = "1MiB", converter = Units.SizeConverter.class,
            description = "Bytes queued per TCP client before it is dropped as too slow (default ${DEFAULT-VALUE}).")
    long maxOutbound;
    @Option(names = "--tcp-idle-timeout", paramLabel = "DURATION",
            defaultValue = "0s", converter = Units.DurationConverter.class,
            description = "Disconnect silent TCP clients after this long; 0s = never (default ${DEFAULT-VALUE}).")
    Duration tcpIdleTimeout;
    @Option(names = "--udp-idle-timeout", paramLabel = "DURATION",
            defaultValue = "10m", converter = Units.DurationConverter.class,
            description = "Forget silent UDP members after this long (default ${DEFAULT-VALUE}).")
    Duration udpIdleTimeout;
    @Option(names = "--udp-max-members", paramLabel = "N",
            defaultValue = "4096", description = "UDP members at most (default ${DEFAULT-VALUE}).")
    int udpMaxMembers;
    @Option(names = "--separate-rooms", description = "Keep TCP and UDP members apart.")
    boolean separateRooms;
    @Option(names = "--carry-budget", paramLabel = "SIZE",
            defaultValue = "64MiB", converter = Units.SizeConverter.class,
            description = "Unfinished TCP input all clients may hold together; over it the largest holders are"
                    + " disconnected (default ${DEFAULT-VALUE}).")
    long carryBudget;
    @Option(names = "--udp-join", paramLabel = "open|validated", description = "How a new UDP address joins: "
            + "open (its first datagram) or validated (a padded datagram, then '/join <token>'); default validated "
            + "on a non-loopback --bind, open on loopback.")
    JoinMode udpJoin;
    @Option(names = "--udp-max-members-per-ip", paramLabel = "N", description = "UDP members per source IP, 0 = no "
            + "cap; default " + UdpRelay.DEFAULT_MAX_MEMBERS_PER_IP + " on a non-loopback --bind, no cap on loopback.")
    Integer udpMaxMembersPerIp;
    @Option(names = "--udp-budgets", paramLabel = "on|off", description = "Per-source budget ("
            + UdpRelay.DEFAULT_SOURCE_DATAGRAMS_PER_SECOND + " datagrams/s, 64KiB/s) and relay output budget ("
            + UdpRelay.DEFAULT_OUTPUT_DATAGRAMS_PER_SECOND + " datagrams/s, 64MiB/s); default on for a non-loopback "
            + "--bind, off on loopback.")
    String udpBudgets;
    @Mixin
    TlsServerOptions tls = new TlsServerOptions();
    @Mixin
    HttpOption http = new HttpOption();
    @Option(names = "--loops", paramLabel = "N|auto", defaultValue = "1",
            description = "Event loops (threads), or auto for one per processor (default ${DEFAULT-VALUE}).")
    String loopsOption;
    @Option(names = "--loop-window", paramLabel = "SIZE", defaultValue = "4MiB", converter = Units.SizeConverter.class,
            description = "With --loops > 1: bytes handed from one loop to another and not yet delivered, at most;"
                    + " when full the sending loop stops reading until half is back (default ${DEFAULT-VALUE}).")
    long loopWindow;
    @Option(names = "--loop-stall-timeout", paramLabel = "DURATION",
            defaultValue = "5s", converter = Units.DurationConverter.class,
            description = "With --loops > 1: a loop that takes no lines this long while another waits is stalled;"
                    + " its lines are dropped and counted until it runs again (default ${DEFAULT-VALUE}).")
    Duration loopStallTimeout;
    @Option(names = "--pack-below", paramLabel = "N", defaultValue = "" + GroupChatServer.DEFAULT_PACK_BELOW,
            description = "With --loops > 1: while the room has fewer than N TCP members they all live on one loop"
                    + " (a line crossing loops costs more than it saves for few members); from N on, each new one"
                    + " joins the loop with the fewest; 0 spreads from the first (default ${DEFAULT-VALUE}).")
    int packBelow;
    @Option(names = "--cluster", paramLabel = "nats://HOST:PORT",
            description = "Span the room over every node on this NATS server (default: this process only); "
                    + "tls://H:P for TLS (the JVM's trust store), user:password@ or token@ before H for NATS auth.")
    String cluster;
    @Option(names = "--cluster-room", paramLabel = "ROOM", defaultValue = NatsRoomBridge.DEFAULT_ROOM,
            description = "Room name shared by the nodes (default ${DEFAULT-VALUE}).")
    String clusterRoom;
    @Option(names = "--node-id", paramLabel = "ID", description = "This node's id in the cluster (default node-<pid>).")
    String nodeId;
    @Option(names = "--cluster-key-file", paramLabel = "FILE", description = "Sign and check every cluster line "
            + "with the secret in FILE (at least 32 bytes, trimmed; the same on every node): forged and replayed "
            + "lines are dropped. Without it, anyone who can publish on the room's subject can speak in the room.")
    Path clusterKeyFile;
    @Option(names = "--cluster-max-outbox", paramLabel = "SIZE", converter = Units.SizeConverter.class,
            description = "Bytes of local lines held for NATS at most, jnats' queue included (default 4MiB, or 8 "
                    + "of the longest lines); more are dropped and counted.")
    Long clusterMaxOutbox;
    @Option(names = "--cluster-max-inbox", paramLabel = "SIZE", converter = Units.SizeConverter.class,
            description = "Bytes of remote lines waiting for the loops at most (default 4MiB, or 4 of the longest "
                    + "lines); more are dropped and counted.")
    Long clusterMaxInbox;

    @Override
    public Integer call() throws Exception {
        boolean plainTcp = !tcpPortOption.equals("off");
        tcpPort = plainTcp ? parsePort("--tcp-port", tcpPortOption) : -1;
        Args.checkPort("--udp-port", udpPort);
        tls.check();
        Args.check(plainTcp || tls.enabled(), "--tcp-port off needs --tls-port (there would be no TCP door)");
        Args.check(udpBudgets == null || udpBudgets.equals("on") || udpBudgets.equals("off"),
                "--udp-budgets must be on or off, was '" + udpBudgets + "'");
        // The limits themselves are checked once, by ChatServer.Builder; its messages name flags (LIMIT_FLAGS).
        http.check();
        InetAddress address = Args.address("--bind", bind);
        checkCluster();
        ClusterKey clusterKey = readClusterKey();
        List<AutoCloseable> toClose = new ArrayList<>();
        TlsConfig tlsConfig;
        try {
            tlsConfig = tls.enabled() ? tls.config(toClose) : null;
        } catch (IOException e) {
            System.err.println("server: TLS: " + e.getMessage());
            return 1;
        }

        int loops = loops();
        // One loop (the default) is exactly the single-threaded server: the loop runs on this thread.
        ReactorGroup group = loops > 1 ? new ReactorGroup(loops) : null;
        List<Reactor> reactors = group != null ? group.reactors() : List.of(new Reactor("loopwire-server"));
        List<ChatServer> servers;
        GroupRoom room = null;
        try {
            ChatServer.Builder b = (group != null ? ChatServer.builder(group) : ChatServer.builder(reactors.get(0)))
                    .bindAddress(address)
                    .plainTcp(plainTcp)
                    .tcpPort(plainTcp ? tcpPort : 0)
                    .udpPort(udpPort)
                    .framing(framing)
                    .maxFrameBytes((int) Math.min(maxFrame, Integer.MAX_VALUE))
                    .maxOutboundBytes(maxOutbound)
                    .tcpIdleTimeout(tcpIdleTimeout)
                    .udpIdleTimeout(udpIdleTimeout)
                    .udpMaxMembers(udpMaxMembers)
                    .separateRooms(separateRooms)
                    .carryBudgetBytes(carryBudget)
                    .windowBytes(loopWindow)
                    .stallTimeout(loopStallTimeout)
                    .packBelow(packBelow);
            if (tlsConfig != null) {
                b.tls(tlsConfig, tls.port);
            }
            if (udpJoin != null) {
                b.udpJoinMode(udpJoin);
            }
            if (udpMaxMembersPerIp != null) {
                b.udpMaxMembersPerIp(udpMaxMembersPerIp);
            }
            if (udpBudgets != null) {
                b.udpBudgets(udpBudgets.equals("on"));
            }
            if (group != null) {
                GroupChatServer chat = b.startGroup(); // caps split per loop, SO_REUSEPORT, one room over the loops
                servers = chat.servers();
                room = chat.room();
            } else {
                servers = List.of(b.start());
            }
        } catch (BindException e) {
            System.err.println("server: cannot listen on " + bind + " (tcp " + tcpPortOption + ", udp " + udpPort
                    + (tls.enabled() ? ", tls " + tls.port : "") + "): " + e.getMessage()
                    + " - is another server running? Try another port or 0.");
            stop(group, reactors, null);
            return 1;
        } catch (IllegalArgumentException e) {
            stop(group, reactors, null);
            throw new Args.UsageError(Args.withFlagNames(e.getMessage(), LIMIT_FLAGS)); // a limit out of its bounds
        } catch (UnsupportedOperationException e) {
            System.err.println("server: --loops " + loops + " needs SO_REUSEPORT, which this platform lacks: "
                    + e.getMessage());
            stop(group, reactors, null);
            return 1;
        }
        NatsRoomBridge bridge = null;
        if (cluster != null) {
            try {
                NatsRoomBridge.Builder b = NatsRoomBridge.builder(cluster).room(clusterRoom).nodeId(nodeId)
                        .maxLineBytes((int) maxFrame).key(clusterKey);
                if (clusterMaxOutbox != null) {
                    b.maxOutboxBytes(clusterMaxOutbox);
                }
                if (clusterMaxInbox != null) {
                    b.maxInboxBytes(clusterMaxInbox);
                }
                bridge = group != null ? b.start(group, room) : b.start(reactors.get(0), servers.get(0).tcpRoom());
            } catch (IOException e) {
                System.err.println("server: " + e.getMessage());
                stop(group, reactors, null);
                return 1;
            }
        }
        String httpAddress = "";
        if (http.enabled()) {
            final List<ChatServer> started = servers;
            LoopMetrics metrics = (group != null ? new LoopMetrics(reactors) : new LoopMetrics(reactors.get(0)))
                    .bindEach((i, sampler) -> new ChatServerMetrics(sampler, started.get(i)));
            if (room != null) {
                metrics.bindGroup(room); // its meters, and /healthz names stalled loops
            }
            if (bridge != null) {
                metrics.bind(new ClusterMetrics(bridge));
            }
            HttpEndpoint web = http.serve("server", metrics, address);
            if (web == null) {
                stop(group, reactors, bridge);
                return 1;
            }
            httpAddress = " http=" + web.hostPort();
        }
        // Ctrl-C and SIGTERM close the loops (members leave, queued output is flushed); this thread then closes the
        // rest and returns 0: a clean stop, not the JVM's 130/143. Caught before the ready line promises anything.
        StopSignals.onStop(() -> stop(group, reactors, null));
        ChatServer first = servers.get(0);
        System.out.println("ready tcp=" + (plainTcp ? Args.hostPort(first.tcpAddress()) : "off") + " udp="
                + Args.hostPort(first.udpAddress()) + httpAddress
                + (tlsConfig != null ? " tls=" + Args.hostPort(first.tlsAddress()) : "")
                + (bridge != null ? " cluster=" + withoutCredentials(cluster) + " room=" + clusterRoom + " node="
                        + bridge.nodeId() : ""));
        System.out.flush();
        NatsRoomBridge bridgeToClose = bridge;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(group, reactors, bridgeToClose),
                "loopwire-shutdown"));
        try {
            if (group == null) {
                reactors.get(0).run();
            } else {
                group.start();
                while (!group.awaitTermination(Duration.ofHours(1))) {
                    // serve until stopped
                }
            }
        } catch (ReactorFailedException e) {
            // LoopExit says it in one line below; the reactor has logged the details.
        }
        stop(group, reactors, bridge);
        for (AutoCloseable c : toClose) {
            c.close();
        }
        boolean failed = false;
        for (Reactor r : reactors) {
            failed |= LoopExit.failed("server", r);
        }
        return failed ? 1 : 0;
    }

    /** {@code --cluster} as printed: the scheme, host and port only, never a user, password or token. */
    static String withoutCredentials(String url) {
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        return scheme >= 0 && at > scheme ? url.substring(0, scheme + 3) + url.substring(at + 1) : url;
    }

    private static int parsePort(String option, String text) {
        try {
            int port = Integer.parseInt(text);
            Args.checkPort(option, port);
            return port;
        } catch (NumberFormatException e) {
            throw new Args.UsageError(option + " must be a port or off, was '" + text + "'");
        }
    }

    /** {@code --loops}: a number in 1..256, or {@code auto} for one per processor. */
    private int loops() {
        if (loopsOption.equals("auto")) {
            return ReactorGroup.availableProcessors();
        }
        try {
            int n = Integer.parseInt(loopsOption);
            Args.check(n >= 1 && n <= ReactorGroup.MAX_LOOPS,
                    "--loops must be 1.." + ReactorGroup.MAX_LOOPS + " or auto, was " + n);
            Args.check(n == 1 || !separateRooms, "--separate-rooms works with one loop only (--loops 1)");
            return n;
        } catch (NumberFormatException e) {
            throw new Args.UsageError("--loops must be a number or auto, was '" + loopsOption + "'");
        }
    }

    /** The key in {@code --cluster-key-file}, or null; a file that is missing or no key is a usage error. */
    private ClusterKey readClusterKey() {
        if (clusterKeyFile == null) {
            return null;
        }
        try {
            return ClusterKey.fromFile(clusterKeyFile);
        } catch (IOException e) {
            throw new Args.UsageError("--cluster-key-file " + clusterKeyFile + ": cannot read it (" + e + ")");
        } catch (IllegalArgumentException e) {
            throw new Args.UsageError("--cluster-key-file " + clusterKeyFile + ": " + e.getMessage());
        }
    }

    /** The loops first (members leave, and the bridge publishes their leaves), then the bridge. */
    private static void stop(ReactorGroup group, List<Reactor> reactors, NatsRoomBridge bridge) {
        if (group != null) {
            group.close();
        } else {
            reactors.get(0).close();
        }
        if (bridge != null) {
            for (Reactor r : reactors) {
                r.awaitTermination(Duration.ofSeconds(5));
            }
            bridge.close();
        }
    }

    private void checkCluster() {
        if (cluster == null) {
            Args.check(nodeId == null, "--node-id needs --cluster");
            Args.check(clusterRoom.equals(NatsRoomBridge.DEFAULT_ROOM), "--cluster-room needs --cluster");
            Args.check(clusterKeyFile == null, "--cluster-key-file needs --cluster");
            Args.check(clusterMaxOutbox == null && clusterMaxInbox == null,
                    "--cluster-max-outbox and --cluster-max-inbox need --cluster");
            return;
        }
        Args.check(NatsRoomBridge.Builder.isValidUrl(cluster), "--cluster must be nats://HOST:PORT or "
                + "tls://HOST:PORT (user:password@ or token@ before HOST), was '"
                + NatsRoomBridge.Builder.redact(cluster) + "'");
        long longest = maxFrame + 128; // a line and its sender prefix
        Args.check(clusterMaxOutbox == null || clusterMaxOutbox >= Math.max(64 * 1024, 2 * longest),
                "--cluster-max-outbox must hold two of the longest lines (at least " + Math.max(64 * 1024, 2 * longest)
                        + " bytes with this --max-frame), was " + clusterMaxOutbox);
        Args.check(clusterMaxInbox == null || clusterMaxInbox >= Math.max(64 * 1024, longest),
                "--cluster-max-inbox must hold the longest line (at least " + Math.max(64 * 1024, longest)
                        + " bytes with this --max-frame), was " + clusterMaxInbox);
        Args.check(!separateRooms, "--cluster bridges one room: it cannot be used with --separate-rooms");
        Args.check(NatsRoomBridge.Builder.isValidName(clusterRoom),
                "--cluster-room must be 1..64 of [A-Za-z0-9_-], was '" + clusterRoom + "'");
        Args.check(nodeId == null || NatsRoomBridge.Builder.isValidName(nodeId),
                "--node-id must be 1..64 of [A-Za-z0-9_-], was '" + nodeId + "'");
    }
}
