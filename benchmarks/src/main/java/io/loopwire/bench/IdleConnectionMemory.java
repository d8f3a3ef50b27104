package io.loopwire.bench;

import io.loopwire.Reactor;
import io.loopwire.bench.peers.NettyRelayServer;
import io.loopwire.bench.peers.NettyTransport;
import io.loopwire.relay.ChatServer;
import io.loopwire.tls.PemFiles;
import io.loopwire.tls.TlsConfig;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * Heap cost of idle TCP connections on a chat server: loopwire's {@link ChatServer} and the Netty peer, plaintext
 * ({@code loopwire}, {@code netty}) or TLS ({@code loopwire-tls}, {@code netty-tls}: the same servers' TLS listeners,
 * Netty with {@code SslHandler} on the JDK provider and its NIO transport; both given {@code --tls-cert} and
 * {@code --tls-key}).
 *
 * <p>Each server runs in a child JVM (same class path, {@code --child loopwire|netty}) so the client sockets opened
 * here do not count. The child answers {@code gc} on stdin with {@code heap=<bytes used after System.gc()>
 * fds=<open descriptors>}. The parent opens a few connections and closes them (to load classes and warm up), reads
 * the baseline, opens {@code --connections} connections that send nothing, drains the {@code joined} notices the
 * server sends (one selector thread here), waits until the child holds every connection and the notices stopped, and
 * reads the heap again: (after - before) / connections. A TLS connection completes its handshake (blocking, a JDK
 * {@code SSLEngine} per client) before it is handed to the drainer, which then reads and discards the ciphertext: the
 * server holds each connection after its handshake, idle.
 *
 * <pre>
 * java -cp benchmarks.jar io.loopwire.bench.IdleConnectionMemory [--connections 10000] [--servers loopwire,netty]
 *      [--child-jvm "-Xmx1g"] [--tls-cert CHAIN_PEM --tls-key PKCS8_PEM]
 * </pre>
 * Needs about {@code connections + 100} file descriptors in each process ({@code ulimit -n}).
 */
public final class IdleConnectionMemory {
    private static final int WARM_CONNECTIONS = 200;

    private IdleConnectionMemory() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("--child")) {
            child(args[1], args.length == 4 ? new String[] {args[2], args[3]} : null);
            return;
        }
        int connections;
        String[] servers;
        String childJvm;
        boolean histogram;
        String[] tlsFiles = null;
        try {
            Cli cli = Cli.parse(args, Set.of("connections", "servers", "child-jvm", "tls-cert", "tls-key"),
                    Set.of("histogram"));
            histogram = cli.flag("histogram");
            connections = (int) cli.number("connections", 10_000, 1, 60_000);
            servers = cli.string("servers", "loopwire,netty").split(",");
            childJvm = cli.string("child-jvm", "-Xms1g -Xmx1g");
            if (cli.has("tls-cert") != cli.has("tls-key")) {
                throw new IllegalArgumentException("give both --tls-cert and --tls-key");
            }
            if (cli.has("tls-cert")) {
                tlsFiles = new String[] {cli.string("tls-cert", ""), cli.string("tls-key", "")};
            }
            for (String server : servers) {
                if (server.trim().endsWith("-tls") && tlsFiles == null) {
                    throw new IllegalArgumentException(server.trim() + " needs --tls-cert and --tls-key");
                }
            }
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, "usage: java -cp benchmarks.jar " + IdleConnectionMemory.class.getName()
                    + " [--connections 10000] [--servers loopwire,netty,loopwire-tls,netty-tls]"
                    + " [--child-jvm \"-Xms1g -Xmx1g\"] [--histogram] [--tls-cert CHAIN_PEM --tls-key PKCS8_PEM]");
            return;
        }
        for (String server : servers) {
            boolean tls = server.trim().endsWith("-tls");
            measure(server.trim(), connections, childJvm, histogram, tls ? tlsFiles : null);
        }
    }

    // ---- parent -------------------------------------------------------------------------------------------------

    /** @param tlsFiles certificate chain and key for a TLS server, or null */
    private static void measure(String server, int connections, String childJvm, boolean histogram,
            String[] tlsFiles) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        for (String option : childJvm.trim().split(" +")) {
            command.add(option);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), IdleConnectionMemory.class.getName(),
                "--child", server));
        SSLContext tls = null;
        if (tlsFiles != null) {
            command.addAll(List.of(tlsFiles));
            tls = TlsClientChannel.trusting(Path.of(tlsFiles[0]));
        }
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        PrintStream in = new PrintStream(child.getOutputStream(), true, StandardCharsets.UTF_8);
        Drainer drainer = new Drainer();
        Thread drainThread = new Thread(drainer, "drain");
        drainThread.setDaemon(true);
        drainThread.start();
        List<SocketChannel> clients = new ArrayList<>(connections);
        try {
            String ready = out.readLine();
            if (ready == null || !ready.startsWith("ready port=")) {
                throw new IOException(server + ": no ready line, got " + ready);
            }
            InetSocketAddress address = new InetSocketAddress("127.0.0.1",
                    Integer.parseInt(ready.substring("ready port=".length())));
            // Warm-up: load and initialise every class of the connection path, then leave.
            List<SocketChannel> warm = connect(address, WARM_CONNECTIONS, drainer, tls);
            awaitQuiet(drainer);
            for (SocketChannel c : warm) {
                c.close();
            }
            long[] base = awaitStable(in, out, -1);
            long baseFds = base[1];
            Map<String, long[]> histogramBefore = histogram ? classHistogram(child.pid()) : Map.of();
            clients = connect(address, connections, drainer, tls);
            awaitQuiet(drainer);
            long[] loaded = awaitStable(in, out, baseFds + connections);
            long heapDelta = loaded[0] - base[0];
            if (histogram) {
                printHistogramDiff(server, histogramBefore, classHistogram(child.pid()), connections);
            }
            System.out.println(String.format(Locale.ROOT,
                    "idle server=%s connections=%d held=%d heap_before=%d heap_after=%d bytes_per_connection=%.0f",
                    server, connections, loaded[1] - baseFds, base[0], loaded[0], (double) heapDelta / connections));
        } finally {
            for (SocketChannel c : clients) {
                c.close();
            }
            in.println("quit");
            drainer.stop = true;
            child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            child.destroyForcibly();
        }
    }

    /** {@code jcmd PID GC.class_histogram} (a full GC first): class name to {instances, bytes}. */
    private static Map<String, long[]> classHistogram(long pid) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/jcmd").getPath(),
                Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
        Map<String, long[]> classes = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(jcmd.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && f[0].endsWith(":")) {
                    classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                }
            }
        }
        jcmd.waitFor();
        return classes;
    }

    /** The classes that grew most, per connection. */
    private static void printHistogramDiff(String server, Map<String, long[]> before, Map<String, long[]> after,
            int connections) {
        List<Map.Entry<String, long[]>> grown = new ArrayList<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            grown.add(Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]}));
        }
        grown.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
        for (Map.Entry<String, long[]> e : grown.subList(0, Math.min(20, grown.size()))) {
            System.out.println(String.format(Locale.ROOT, "histogram server=%s class=%s instances_per_connection=%.2f"
                    + " bytes_per_connection=%.1f", server, e.getKey(), (double) e.getValue()[0] / connections,
                    (double) e.getValue()[1] / connections));
        }
    }

    /** Opens {@code count} connections (each after its TLS handshake if {@code tls} is not null) for the drainer. */
    private static List<SocketChannel> connect(InetSocketAddress address, int count, Drainer drainer, SSLContext tls)
            throws IOException {
        List<SocketChannel> clients = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SocketChannel c = SocketChannel.open(address);
            if (tls != null) {
                TlsClientChannel.handshake(c, tls, null); // the engine is dropped: from here on only bytes are read
            }
            c.configureBlocking(false);
            clients.add(c);
            drainer.add(c);
        }
        return clients;
    }

    /** Waits until the drainer has read nothing for one second (the join notices are over). */
    private static void awaitQuiet(Drainer drainer) throws InterruptedException {
        long last = -1;
        while (true) {
            Thread.sleep(1000);
            long now = drainer.bytes.get();
            if (now == last && drainer.pending.isEmpty()) {
                return;
            }
            last = now;
        }
    }

    /**
     * Asks for the heap until the child holds at least {@code fds} descriptors (any number if negative) and two
     * readings in a row agree (same descriptor count, heap within 1 %), at most 30 s; returns the last reading.
     */
    private static long[] awaitStable(PrintStream in, BufferedReader out, long fds) throws IOException,
            InterruptedException {
        long[] previous = null;
        long[] reading = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            in.println("gc");
            String line = out.readLine();
            if (line == null) {
                throw new IOException("child exited");
            }
            reading = new long[] {Long.parseLong(line.replaceAll(".*heap=(\\d+).*", "$1")),
                    Long.parseLong(line.replaceAll(".*fds=(\\d+).*", "$1"))};
            if (reading[1] >= fds && previous != null && previous[1] == reading[1]
                    && Math.abs(previous[0] - reading[0]) <= reading[0] / 100) {
                return reading;
            }
            previous = reading;
            Thread.sleep(500);
        }
        System.err.println("child not stable after 30 s (wanted " + fds + " descriptors); using the last reading");
        return reading;
    }

    /** Reads and discards everything the server sends to the clients, on one selector. */
    private static final class Drainer implements Runnable {
        final Queue<SocketChannel> pending = new ConcurrentLinkedQueue<>();
        final AtomicLong bytes = new AtomicLong();
        volatile boolean stop;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);

        void add(SocketChannel c) {
            pending.add(c);
        }

        @Override
        public void run() {
            try (Selector selector = Selector.open()) {
                while (!stop) {
                    SocketChannel c;
                    while ((c = pending.poll()) != null) {
                        c.register(selector, SelectionKey.OP_READ);
                    }
                    selector.select(key -> {
                        try {
                            int n;
                            while ((n = ((SocketChannel) key.channel()).read(buffer.clear())) > 0) {
                                bytes.addAndGet(n);
                            }
                            if (n < 0) {
                                key.cancel();
                            }
                        } catch (IOException e) {
                            key.cancel();
                        }
                    }, 10);
                }
            } catch (IOException e) {
                System.err.println("drainer failed: " + e);
            }
        }
    }

    // ---- child --------------------------------------------------------------------------------------------------

    /** @param tlsFiles certificate chain and key, for the {@code -tls} servers */
    private static void child(String server, String[] tlsFiles) throws Exception {
        AutoCloseable running;
        int port;
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        switch (server) {
            case "loopwire-tls" -> {
                Reactor reactor = new Reactor().start();
                TlsConfig tls = TlsConfig.server(PemFiles.serverContext(Path.of(tlsFiles[0]), Path.of(tlsFiles[1])))
                        .build();
                ChatServer chat = ChatServer.builder(reactor).tcpPort(0).udpPort(0).tls(tls, 0).start();
                port = chat.tlsAddress().getPort();
                running = reactor;
            }
            case "netty-tls" -> {
                NettyRelayServer.Tls tls = new NettyRelayServer.Tls(any,
                        NettyRelayServer.serverContext(Path.of(tlsFiles[0]), Path.of(tlsFiles[1])));
                NettyRelayServer netty = NettyRelayServer.start(any, any, NettyTransport.NIO, 1, tls);
                port = netty.tlsAddress().getPort();
                running = netty;
            }
            case "loopwire" -> {
                Reactor reactor = new Reactor().start();
                ChatServer chat = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
                port = chat.tcpAddress().getPort();
                running = reactor;
            }
            case "netty" -> {
                NettyRelayServer netty = NettyRelayServer.start(any, any);
                port = netty.tcpAddress().getPort();
                running = netty;
            }
            default -> throw new IllegalArgumentException("unknown server " + server
                    + " (loopwire, netty, loopwire-tls or netty-tls)");
        }
        System.out.println("ready port=" + port);
        System.out.flush();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String command;
        while ((command = commands.readLine()) != null && !command.equals("quit")) {
            if (command.equals("gc")) {
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                String[] fds = new File("/proc/self/fd").list();
                System.out.println("heap=" + heap + " fds=" + (fds == null ? -1 : fds.length));
                System.out.flush();
            }
        }
        running.close();
        System.exit(0);
    }
}
