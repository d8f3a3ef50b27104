package io.loopwire.examples;

import io.loopwire.Reactor;
import io.loopwire.alert.AlertPolicy;
import io.loopwire.alert.AlertingListener;
import io.loopwire.alert.LogAlertSink;
import io.loopwire.examples.web.HttpEndpoint;
import io.loopwire.examples.web.LoopMetrics;
import io.loopwire.examples.web.MonitorPage;
import io.loopwire.examples.web.ProbeHistory;
import io.loopwire.examples.web.RecentAlerts;
import io.loopwire.metrics.AlertMetrics;
import io.loopwire.metrics.ChatServerMetrics;
import io.loopwire.metrics.ProberMetrics;
import io.loopwire.probe.ClassifierConfig;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.ProbeListener;
import io.loopwire.relay.ChatServer;
import io.loopwire.tcp.TcpClient;
import io.loopwire.tcp.TcpConnection;
import io.loopwire.udp.UdpEndpoint;
import io.loopwire.wire.ProbePacket;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the whole system on ONE reactor thread, no set-up needed. A chat server; two TCP clients and one UDP
 * client chatting through it; a monitor probing the server and a second, simulated link that turns slow, then goes
 * down, then recovers; console alerts on confirmed changes; a summary at the end. The monitor's live page and
 * {@code /metrics} are served on a free port while the story runs. The first line printed says all this and where the
 * page is; {@code --seconds 0} repeats the story until Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Chat server, chatting clients and a latency monitor on one loop, for about 15 seconds.")
final class DemoMain implements Callable<Integer> {
    /** How long one run of the story (and of the chat script) takes when it repeats until Ctrl-C. */
    static final int CYCLE_SECONDS = 30;

    @Option(names = "--seconds", paramLabel = "N",
            defaultValue = "15", description = "How long the story runs, 5..3600, or 0 to run until Ctrl-C "
                    + "(the story repeats every " + CYCLE_SECONDS + "s) (default ${DEFAULT-VALUE}).")
    int seconds;

    @Override
    public Integer call() throws Exception {
        Args.check(seconds == 0 || (seconds >= 5 && seconds <= 3600),
                "--seconds must be 0 (until Ctrl-C) or in 5..3600, was " + seconds);
        boolean forever = seconds == 0;
        int cycle = forever ? CYCLE_SECONDS : seconds;
        out = AsyncConsole.over(System.out);
        Reactor reactor = new Reactor("loopwire-demo");
        ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();

        // A second link to watch: an echo that turns slow after a third of the story, stops answering after two
        // thirds, and comes back near the end (again every cycle when the demo runs until Ctrl-C).
        long startNanos = System.nanoTime();
        long cycleNanos = TimeUnit.SECONDS.toNanos(cycle);
        long third = cycleNanos / 3;
        UdpEndpoint flaky = UdpEndpoint.builder(reactor).handler((endpoint, sender, data) -> {
            if (!ProbePacket.isProbe(data)) {
                return;
            }
            ProbePacket.markReply(data); // an LWP1 echo answers with the reply mark
            long t = (System.nanoTime() - startNanos) % cycleNanos;
            if (t < third || t > 2 * third + third * 3 / 5) {
                endpoint.send(sender, data);
            } else if (t < 2 * third) {
                ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
                reactor.schedule(Duration.ofMillis(150), () -> endpoint.send(sender, copy));
            }
        }).start();

        // The monitor: both links probed every 500 ms, alerts on the console. Set up before anything is printed, so
        // that the first line can say where its page is.
        LogAlertSink console = new LogAlertSink(out); // alerts printed once, on stdout
        CountDownLatch done = new CountDownLatch(1);
        StopSignals.onStop(done::countDown); // Ctrl-C, SIGTERM: the summary so far, exit 0
        // Only state changes and alerts are printed: a line per probe would drown the chat.
        RoundPrinter printer = new RoundPrinter(out, false, done::countDown);
        RecentAlerts recent = new RecentAlerts(console);
        LoopMetrics metrics = new LoopMetrics(reactor).bindWith(s -> new ChatServerMetrics(s, server));
        ProberMetrics proberMetrics = new ProberMetrics(metrics.sampler());
        Duration interval = Duration.ofMillis(500);
        Duration history = Duration.ofMinutes(forever ? 10 : 1);
        ProbeHistory rounds = new ProbeHistory(history, interval);
        AlertingListener alerts = new AlertingListener(reactor,
                new AlertPolicy(AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO), recent),
                ProbeListener.all(printer, proberMetrics, rounds));
        LatencyProber prober = LatencyProber.builder(reactor)
                .target("chat-server", server.udpAddress())
                .target("flaky-link", flaky.localAddress())
                .interval(interval)
                .classifier(ClassifierConfig.defaults().withTimeout(Duration.ofMillis(400)))
                .rounds(seconds * 2L) // 0: until stopped
                .listener(alerts)
                .start();
        metrics.bind(proberMetrics.watch(prober)).bind(new AlertMetrics(console, null));
        HttpEndpoint http = metrics.serve(InetAddress.getLoopbackAddress(), 0);
        new MonitorPage(reactor, prober, rounds, recent, interval, history).serveOn(http);
        String intro = "loopwire demo: a chat server, three chat clients (alice and bob over TCP, carol over UDP) and"
                + " a latency monitor watching two links, one of which turns slow, goes down and recovers, all on one "
                + "loop thread, " + (forever ? "until Ctrl-C" : "for " + seconds + " s (Ctrl-C stops it sooner)")
                + "; watch the links on the live page at http://" + http.hostPort() + "/ (metrics at /metrics)";
        String ready = "chat server ready: tcp=" + Args.hostPort(server.tcpAddress()) + " udp="
                + Args.hostPort(server.udpAddress());
        // Said by the loop's first task, not from here: whoever reads the page's address may ask for it at once, and
        // the page asks the loop (reactor.call), which before the loop runs would run on the HTTP thread, beside this
        // one still setting the loop up (seen: a 503 for the page). Nothing the loop prints can come before it: a
        // probe's answer takes a later turn.
        reactor.execute(() -> {
            out.println(intro);
            say(ready);
        });

        // Chat clients, on the same loop as the server.
        TcpClient tcpClients = TcpClient.builder(reactor).handler((connection, frame) ->
                say(connection.attachment() + " <- " + StandardCharsets.UTF_8.decode(frame))).build();
        UdpEndpoint carol = UdpEndpoint.builder(reactor).handler((endpoint, sender, data) ->
                say("carol <- " + UdpClientMain.withoutLineEnd(StandardCharsets.UTF_8.decode(data).toString())))
                .start();
        reactor.start();
        TcpConnection alice = tcpClients.connect(server.tcpAddress()).get(5, TimeUnit.SECONDS);
        reactor.execute(() -> alice.attach("alice"));
        TcpConnection bob = tcpClients.connect(server.tcpAddress()).get(5, TimeUnit.SECONDS);
        reactor.execute(() -> bob.attach("bob"));
        InetSocketAddress udpServer = server.udpAddress();
        reactor.execute(() -> carol.send(udpServer, ByteBuffer.allocate(0))); // an empty datagram joins silently

        // The chat script: one line every cycle / 9 seconds, from alternating clients; again every cycle if forever.
        String[] lines = {"alice: hi all, anyone there?", "bob: hello alice!", "carol: hi from UDP",
            "alice: a monitor watches two links from this same thread", "bob: the flaky one just turned SLOW",
            "carol: one loop: TCP, UDP, probes and alerts", "alice: now it stopped answering...", "bob: bye!"};
        Runnable script = () -> {
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                ByteBuffer bytes = ByteBuffer.wrap(line.substring(line.indexOf(": ") + 2)
                        .getBytes(StandardCharsets.UTF_8));
                Runnable send = line.startsWith("alice") ? () -> alice.send(withNewline(bytes))
                        : line.startsWith("bob") ? () -> bob.send(withNewline(bytes))
                        : () -> carol.send(udpServer, bytes.duplicate());
                reactor.schedule(Duration.ofMillis(500 + (long) i * cycle * 1000 / (lines.length + 1)), () -> {
                    say(line.substring(0, line.indexOf(':')) + " -> " + line.substring(line.indexOf(": ") + 2));
                    send.run();
                });
            }
        };
        if (forever) {
            reactor.execute(() -> reactor.scheduleAtFixedRate(Duration.ZERO, Duration.ofSeconds(cycle), script));
        } else {
            reactor.execute(script);
        }

        LoopExit.releaseWhenLoopStops(reactor, done);
        if (forever) {
            done.await(); // Ctrl-C, SIGTERM or the loop's end
        } else {
            done.await(seconds + 10L, TimeUnit.SECONDS);
        }
        if (LoopExit.failed("demo", reactor)) {
            out.close();
            return 1;
        }
        reactor.call(() -> {
            alerts.flush();
            say("summary: " + server.tcpRoom().messagesRelayed() + " messages relayed, "
                    + server.tcpRoom().deliveries() + " deliveries, "
                    + server.udpRelay().pingEcho().probesEchoed() + " probes echoed, "
                    + console.sent() + " alerts");
            RoundPrinter.printStatistics(out, prober.targets());
            return null;
        });
        prober.close();
        reactor.close();
        http.close();
        out.close();
        return 0;
    }

    private static ByteBuffer withNewline(ByteBuffer text) {
        return ByteBuffer.allocate(text.remaining() + 1).put(text.duplicate()).put((byte) '\n').flip();
    }

    private void say(String line) {
        out.printf("%6.2fs  %s%n", (System.nanoTime() - T0) / 1e9, line);
    }

    private static final long T0 = System.nanoTime();
    /** Printing happens on the loop thread: through a queue, so a console that stops reading cannot stall it. */
    private PrintStream out;
}
