package io.loopwire.testkit;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
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
    private Process process;

    private NatsServer(int port, File log) {
        this.port = port;
        this.log = log;
    }

    /** Starts a server on a free port, or skips the test saying why. */
    public static NatsServer startOrSkip() throws Exception {
        Assumptions.assumeTrue(new File(BINARY).canExecute(),
                "nats-server not installed at " + BINARY + " (apt-get install nats-server); cluster test skipped");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        NatsServer server = new NatsServer(port, File.createTempFile("nats-server", ".log"));
        server.log.deleteOnExit();
        server.startProcess();
        return server;
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** (Re)starts the process on the same port; skips the test if it does not listen within 10 s. */
    public void startProcess() throws Exception {
        process = new ProcessBuilder(BINARY, "-a", "127.0.0.1", "-p", Integer.toString(port))
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

    /** Kills the process (like a crash) and waits for it to end. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
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
