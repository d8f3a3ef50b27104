package io.loopwire.bench;

import com.sun.management.ThreadMXBean;
import io.loopwire.Reactor;
import io.loopwire.bench.peers.NioEchoServer;
import io.loopwire.codec.RawFramer;
import io.loopwire.tcp.TcpConnection;
import io.loopwire.tcp.TcpHandler;
import io.loopwire.tcp.TcpServer;
import io.loopwire.tls.KeyStoreFiles;
import io.loopwire.tls.PemFiles;
import io.loopwire.tls.TlsConfig;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * loopwire's own {@code SSLEngine} adapter against the {@code tls-channel} library, by measurement: the same echo
 * of 64-byte messages over loopback, on one server thread each, with the JDK's engine under both.
 *
 * <ul>
 *   <li>{@code loopwire-tls}: a {@code TcpServer} with {@code tls(...)} and a {@code RawFramer}, echoing each frame
 *       with {@code sendTransient}; {@code loopwire-plain}: the same without TLS.</li>
 *   <li>{@code tls-channel}: {@link NioEchoServer}, a minimal selector loop over {@code ServerTlsChannel} (the
 *       library's defaults: buffers released when empty); {@code tls-channel-keep}: the same with
 *       {@code withReleaseBuffers(false)}; {@code nio-plain}: the same loop without TLS.</li>
 * </ul>
 * The plaintext pair tells what each stack costs without TLS, so "TLS minus plaintext" is the adapter and the engine.
 *
 * <p>Each server runs in a child JVM (this class path, {@code --child KIND}); the clients (JDK {@code SSLSocket}s,
 * blocking) run here. Figures: heap and direct memory per idle connection after the handshake and one echo (the
 * child's heap after {@code System.gc()}, before and after {@code --connections} clients; the child answers
 * {@code stats} on stdin), then the server thread's CPU time and allocated bytes per message over a run of bursts
 * ({@code --burst} messages of 64 bytes written one record each, then read back) on one connection.
 *
 * <pre>
 * java -cp benchmarks.jar io.loopwire.bench.TlsAdapterComparison [--connections 500] [--warmup 5s] [--duration 10s]
 *      [--burst 16] [--servers loopwire-tls,tls-channel,tls-channel-keep,loopwire-plain,nio-plain]
 *      [--child-jvm "-Xms1g -Xmx1g"]
 * </pre>
 */
public final class TlsAdapterComparison {
    private static final int MESSAGE_BYTES = 64;
    private static final char[] PASSWORD = "benchmark-only".toCharArray();

    private TlsAdapterComparison() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--child")) {
            child(args[1], Path.of(args[2]));
            return;
        }
        int connections;
        int burst;
        Duration warmup;
        Duration duration;
        String[] servers;
        String childJvm;
        try {
            Cli cli = Cli.parse(args, Set.of("connections", "burst", "warmup", "duration", "servers", "child-jvm"),
                    Set.of());
            connections = (int) cli.number("connections", 500, 1, 20_000);
            burst = (int) cli.number("burst", 16, 1, 200);
            warmup = cli.duration("warmup", Duration.ofSeconds(5));
            duration = cli.duration("duration", Duration.ofSeconds(10));
            servers = cli.string("servers", "loopwire-tls,tls-channel,tls-channel-keep,loopwire-plain,nio-plain")
                    .split(",");
            childJvm = cli.string("child-jvm", "-Xms1g -Xmx1g -XX:+AlwaysPreTouch");
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, "usage: java -cp benchmarks.jar " + TlsAdapterComparison.class.getName()
                    + " [--connections 500] [--warmup 5s] [--duration 10s] [--burst 16]"
                    + " [--servers loopwire-tls,tls-channel,tls-channel-keep,loopwire-plain,nio-plain]"
                    + " [--child-jvm \"-Xms1g -Xmx1g\"]");
            return;
        }
        Path keyStore = Files.createTempFile("tls-adapter", ".p12");
        Files.delete(keyStore);
        try {
            makeKeyStore(keyStore);
            System.out.println("# java " + System.getProperty("java.version") + ", " + connections
                    + " idle connections, bursts of " + burst + " x " + MESSAGE_BYTES + " B, warm-up " + warmup
                    + ", measured " + duration);
            for (String server : servers) {
                measure(server.trim(), keyStore, connections, burst, warmup, duration, childJvm);
            }
        } finally {
            Files.deleteIfExists(keyStore);
        }
    }

    /** A self-signed EC P-256 key and certificate for {@code localhost} (keytool, at run time; nothing committed). */
    private static void makeKeyStore(Path file) throws IOException, InterruptedException {
        Process keytool = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/keytool").getPath(),
                "-genkeypair", "-keystore", file.toString(), "-storetype", "PKCS12", "-storepass",
                new String(PASSWORD), "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=localhost", "-validity", "2").redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (keytool.waitFor() != 0) {
            throw new IOException("keytool failed: " + output);
        }
    }

    // ---- parent: the clients ------------------------------------------------------------------------------------

    private static void measure(String server, Path keyStore, int connections, int burst, Duration warmup,
            Duration duration, String childJvm) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        for (String option : childJvm.trim().split(" +")) {
            command.add(option);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TlsAdapterComparison.class.getName(),
                "--child", server, keyStore.toString()));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        PrintStream in = new PrintStream(child.getOutputStream(), true, StandardCharsets.UTF_8);
        SSLContext trusting = trustingOnly(keyStore);
        boolean tls = !server.endsWith("plain");
        List<Socket> clients = new ArrayList<>();
        try {
            String ready = out.readLine();
            while (ready != null && !ready.startsWith("ready port=")) {
                ready = out.readLine(); // a JVM agent's own lines (a profiler's, say)
            }
            if (ready == null || !ready.startsWith("ready port=")) {
                throw new IOException(server + ": no ready line, got " + ready);
            }
            InetSocketAddress address = new InetSocketAddress("127.0.0.1",
                    Integer.parseInt(ready.substring("ready port=".length())));
            byte[] message = new byte[MESSAGE_BYTES];
            byte[] back = new byte[MESSAGE_BYTES * burst];
            // Warm-up: the connection path, then the message path.
            for (int i = 0; i < 200; i++) {
                try (Socket s = connect(address, tls ? trusting : null)) {
                    echoOnce(s, message);
                }
            }
            try (Socket s = connect(address, tls ? trusting : null)) {
                long end = System.nanoTime() + warmup.toNanos();
                while (System.nanoTime() < end) {
                    burst(s, message, burst, back);
                }
            }
            long[] base = stats(in, out);
            for (int i = 0; i < connections; i++) {
                Socket s = connect(address, tls ? trusting : null);
                clients.add(s);
                echoOnce(s, message);
            }
            long[] idle = stats(in, out);
            double heapPer = (double) (idle[0] - base[0]) / connections;
            double directPer = (double) (idle[1] - base[1]) / connections;
            long bursts = 0;
            long[] before;
            long[] after;
            long wall;
            try (Socket s = connect(address, tls ? trusting : null)) {
                burst(s, message, burst, back);
                before = stats(in, out);
                long start = System.nanoTime();
                long end = start + duration.toNanos();
                while (System.nanoTime() < end) {
                    burst(s, message, burst, back);
                    bursts++;
                }
                wall = System.nanoTime() - start;
                after = stats(in, out);
            }
            long messages = bursts * burst;
            System.out.println(String.format(Locale.ROOT, "tls-adapter server=%s idle_heap_per_connection=%.0f"
                    + " idle_direct_per_connection=%.0f messages=%d server_cpu_ns_per_message=%.0f"
                    + " server_bytes_per_message=%.1f wall_ns_per_message=%.0f", server, heapPer, directPer, messages,
                    (double) (after[2] - before[2]) / messages, (double) (after[3] - before[3]) / messages,
                    (double) wall / messages));
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            in.println("quit");
            child.waitFor(10, TimeUnit.SECONDS);
            child.destroyForcibly();
        }
    }

    /** Plaintext when {@code tls} is null. */
    private static Socket connect(InetSocketAddress address, SSLContext tls) throws IOException {
        Socket s;
        if (tls != null) {
            SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(address.getAddress(),
                    address.getPort());
            ssl.startHandshake();
            s = ssl;
        } else {
            s = new Socket(address.getAddress(), address.getPort());
        }
        s.setTcpNoDelay(true);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void echoOnce(Socket s, byte[] message) throws IOException {
        s.getOutputStream().write(message);
        readFully(s.getInputStream(), new byte[message.length]);
    }

    /** {@code count} messages, each its own write (one TLS record each), then all of them read back. */
    private static void burst(Socket s, byte[] message, int count, byte[] back) throws IOException {
        OutputStream o = s.getOutputStream();
        for (int i = 0; i < count; i++) {
            o.write(message);
        }
        readFully(s.getInputStream(), back);
    }

    private static void readFully(InputStream in, byte[] into) throws IOException {
        int got = 0;
        while (got < into.length) {
            int n = in.read(into, got, into.length - got);
            if (n < 0) {
                throw new IOException("the server closed after " + got + " of " + into.length + " bytes");
            }
            got += n;
        }
    }

    /** The child's {heap after GC, direct buffers, server thread CPU ns, server thread allocated bytes}. */
    private static long[] stats(PrintStream in, BufferedReader out) throws IOException {
        in.println("stats");
        String line = out.readLine();
        if (line == null || !line.startsWith("stats ")) {
            throw new IOException("no stats line, got " + line);
        }
        String[] f = line.substring(6).split(" ");
        long[] values = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            values[i] = Long.parseLong(f[i]);
        }
        return values;
    }

    /** The benchmark's clients trust exactly the throw-away certificate made for the run. */
    private static SSLContext trustingOnly(Path keyStore) throws IOException {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD);
            X509Certificate certificate = (X509Certificate) store.getCertificate("server");
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, PemFiles.trustManagers(List.of(certificate)), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust the run's certificate", e);
        }
    }

    // ---- child: one server --------------------------------------------------------------------------------------

    private static void child(String kind, Path keyStore) throws Exception {
        SSLContext context = KeyStoreFiles.serverContext(keyStore, PASSWORD, null);
        Reactor reactor = null;
        NioEchoServer nio = null;
        Thread serverThread;
        int port;
        switch (kind) {
            case "loopwire-tls", "loopwire-plain" -> {
                reactor = new Reactor("loopwire-echo").start();
                TcpServer.Builder b = TcpServer.builder(reactor).bind(new InetSocketAddress("127.0.0.1", 0))
                        .framer(new RawFramer(16 * 1024)).handler(new Echo());
                if (kind.equals("loopwire-tls")) {
                    b.tls(TlsConfig.server(context).build());
                }
                TcpServer server = b.start();
                port = server.localAddress().getPort();
                serverThread = reactor.call(Thread::currentThread);
            }
            case "tls-channel", "tls-channel-keep", "nio-plain" -> {
                nio = new NioEchoServer(kind.equals("nio-plain") ? null : context, !kind.equals("tls-channel-keep"));
                port = nio.localAddress().getPort();
                serverThread = nio.thread();
            }
            default -> throw new IllegalArgumentException("unknown server " + kind);
        }
        System.out.println("ready port=" + port);
        System.out.flush();
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = commands.readLine()) != null && !line.equals("quit")) {
            if (line.equals("stats")) {
                Thread.sleep(300); // the last replies written, the loop back in select
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                System.out.println("stats " + heap + " " + direct.getMemoryUsed() + " "
                        + threads.getThreadCpuTime(serverThread.getId()) + " "
                        + threads.getThreadAllocatedBytes(serverThread.getId()));
            }
        }
        if (reactor != null) {
            reactor.close();
        }
        if (nio != null) {
            nio.close();
        }
        System.exit(0);
    }

    /** Writes back each frame; what the socket does not take by the end of the turn is copied. */
    private static final class Echo implements TcpHandler {
        @Override
        public void onFrame(TcpConnection connection, ByteBuffer frame) {
            connection.sendTransient(frame);
        }
    }
}
