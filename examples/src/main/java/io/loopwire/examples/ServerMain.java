package io.loopwire.examples;

import io.loopwire.Reactor;
import io.loopwire.examples.web.HttpEndpoint;
import io.loopwire.examples.web.LoopMetrics;
import io.loopwire.metrics.ChatServerMetrics;
import io.loopwire.ReactorFailedException;
import io.loopwire.relay.ChatServer;
import io.loopwire.relay.JoinMode;
import io.loopwire.relay.UdpRelay;
import java.net.BindException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code server}: the chat relay (TCP + UDP, ping echo) on one reactor thread. */
@Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Relay chat between TCP and UDP clients on one loop; answer 'ping' with 'ping'.")
final class ServerMain implements Callable<Integer> {
    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String bind;
    @Option(names = "--tcp-port", defaultValue = "12345", description = "TCP port, 0 for any (default ${DEFAULT-VALUE}).")
    int tcpPort;
    @Option(names = "--udp-port", defaultValue = "12345", description = "UDP port, 0 for any (default ${DEFAULT-VALUE}).")
    int udpPort;
    @Option(names = "--framing", defaultValue = "line", description = "line or raw (default ${DEFAULT-VALUE}).")
    ChatServer.Framing framing;
    @Option(names = "--max-frame", defaultValue = "65536", converter = Units.SizeConverter.class,
            description = "Longest TCP message (default ${DEFAULT-VALUE} bytes).")
    long maxFrame;
    @Option(names = "--max-outbound", defaultValue = "1MiB", converter = Units.SizeConverter.class,
            description = "Bytes queued per TCP client before it is dropped as too slow (default ${DEFAULT-VALUE}).")
    long maxOutbound;
    @Option(names = "--tcp-idle-timeout", defaultValue = "0s", converter = Units.DurationConverter.class,
            description = "Disconnect silent TCP clients after this long; 0s = never (default ${DEFAULT-VALUE}).")
    Duration tcpIdleTimeout;
    @Option(names = "--udp-idle-timeout", defaultValue = "10m", converter = Units.DurationConverter.class,
            description = "Forget silent UDP members after this long (default ${DEFAULT-VALUE}).")
    Duration udpIdleTimeout;
    @Option(names = "--udp-max-members", defaultValue = "4096", description = "UDP members at most (default ${DEFAULT-VALUE}).")
    int udpMaxMembers;
    @Option(names = "--separate-rooms", description = "Keep TCP and UDP members apart.")
    boolean separateRooms;
    @Option(names = "--carry-budget", defaultValue = "64MiB", converter = Units.SizeConverter.class,
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
    HttpOption http = new HttpOption();

    @Override
    public Integer call() throws Exception {
        Args.checkPort("--tcp-port", tcpPort);
        Args.checkPort("--udp-port", udpPort);
        Args.check(maxFrame >= 1 && maxFrame <= 16 * 1024 * 1024, "--max-frame must be 1..16MiB, was " + maxFrame);
        Args.check(maxOutbound >= 1024, "--max-outbound must be at least 1KiB, was " + maxOutbound);
        Args.check(!udpIdleTimeout.isZero(), "--udp-idle-timeout must be positive");
        Args.check(udpMaxMembers >= 1, "--udp-max-members must be at least 1, was " + udpMaxMembers);
        Args.check(carryBudget >= 64 * 1024, "--carry-budget must be at least 64KiB, was " + carryBudget);
        Args.check(udpMaxMembersPerIp == null || udpMaxMembersPerIp >= 0,
                "--udp-max-members-per-ip must be >= 0 (0 = no cap), was " + udpMaxMembersPerIp);
        Args.check(udpBudgets == null || udpBudgets.equals("on") || udpBudgets.equals("off"),
                "--udp-budgets must be on or off, was '" + udpBudgets + "'");
        http.check();
        InetAddress address = Args.address("--bind", bind);

        Reactor reactor = new Reactor("loopwire-server");
        ChatServer.Builder builder;
        try {
            builder = ChatServer.builder(reactor);
            if (udpJoin != null) {
                builder.udpJoinMode(udpJoin);
            }
            if (udpMaxMembersPerIp != null) {
                builder.udpMaxMembersPerIp(udpMaxMembersPerIp);
            }
            if (udpBudgets != null) {
                builder.udpBudgets(udpBudgets.equals("on"));
            }
            builder
                    .bindAddress(address)
                    .tcpPort(tcpPort)
                    .udpPort(udpPort)
                    .framing(framing)
                    .maxFrameBytes((int) maxFrame)
                    .maxOutboundBytes(maxOutbound)
                    .tcpIdleTimeout(tcpIdleTimeout)
                    .udpIdleTimeout(udpIdleTimeout)
                    .udpMaxMembers(udpMaxMembers)
                    .separateRooms(separateRooms)
                    .carryBudgetBytes(carryBudget);
        } catch (IllegalArgumentException e) {
            reactor.close();
            throw new Args.UsageError(e.getMessage()); // a combination the checks above did not catch
        }
        ChatServer server;
        try {
            server = builder.start();
        } catch (BindException e) {
            System.err.println("server: cannot listen on " + bind + " (tcp " + tcpPort + ", udp " + udpPort + "): "
                    + e.getMessage() + " - is another server running? Try another port or 0.");
            reactor.close();
            return 1;
        }
        String httpAddress = "";
        if (http.enabled()) {
            final ChatServer started = server;
            HttpEndpoint web = http.serve("server", new LoopMetrics(reactor)
                    .bindWith(s -> new ChatServerMetrics(s, started)), address);
            if (web == null) {
                reactor.close();
                return 1;
            }
            httpAddress = " http=" + web.hostPort();
        }
        System.out.println("ready tcp=" + Args.hostPort(server.tcpAddress()) + " udp="
                + Args.hostPort(server.udpAddress()) + httpAddress);
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(reactor::close, "loopwire-shutdown"));
        try {
            reactor.run();
        } catch (ReactorFailedException e) {
            // LoopExit says it in one line below; the reactor has logged the details.
        }
        return LoopExit.failed("server", reactor) ? 1 : 0;
    }
}
