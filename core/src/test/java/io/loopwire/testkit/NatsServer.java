package io.loopwire.testkit;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code nats-server} process on a free loopback port, for tests. If the binary is missing or will not start,
 * the calling test is skipped (JUnit assumption) with the reason, never passed.
 */
public final class NatsServer implements AutoCloseable {
    public static final String BINARY = "/usr/sbin/nats-server";

    private final int port;
    private final File log;
    private final List<String> extraArgs;
    private String scheme = "nats";
    private Process process;

    private NatsServer(int port, File log, List<String> extraArgs) {
        this.port = port;
        this.log = log;
        this.extraArgs = extraArgs;
    }

    /** Starts a server on a free port, or skips the test saying why. */
    public static NatsServer startOrSkip() throws Exception {
        return startOrSkip(List.of());
    }

    /**
     * Starts a server on a free port with more command-line arguments (for example {@code --auth TOKEN}, or
     * {@code -c FILE} for a configuration file), or skips the test saying why.
     */
    public static NatsServer startOrSkip(List<String> extraArgs) throws Exception {
        Assumptions.assumeTrue(new File(BINARY).canExecute(),
                "nats-server not installed at " + BINARY + " (apt-get install nats-server); cluster test skipped");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        NatsServer server = new NatsServer(port, File.createTempFile("nats-server", ".log"), List.copyOf(extraArgs));
        if (extraArgs.contains("--tls")) {
            server.scheme = "tls";
        }
        server.log.deleteOnExit();
        server.startProcess();
        return server;
    }

    /** {@code nats://127.0.0.1:PORT}, or {@code tls://...} for a server started with {@code --tls}. */
    public String url() {
        return scheme + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** (Re)starts the process on the same port; skips the test if it does not listen within 10 s. */
    public void startProcess() throws Exception {
        List<String> command = new ArrayList<>(List.of(BINARY, "-a", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(extraArgs);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!accepts()) {
            if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                stop();
                Assumptions.abort("nats-server did not start on port " + port + ": " + tail());
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling a port, bounded by the deadline above
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String tail() throws IOException {
        String text = Files.readString(log.toPath());
        return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    }

    /** Freezes the process (SIGSTOP): it keeps its sockets open but reads and writes nothing until {@link #resume}. */
    public void pause() throws Exception {
        signal("-STOP");
    }

    /** Lets a {@link #pause paused} process run again (SIGCONT). */
    public void resume() throws Exception {
        signal("-CONT");
    }

    private void signal(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
        }
    }

    /** Kills the process (like a crash) and waits for it to end. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            try {
                resume(); // a paused process cannot act on SIGTERM
            } catch (Exception e) {
                // it may be gone already
            }
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
