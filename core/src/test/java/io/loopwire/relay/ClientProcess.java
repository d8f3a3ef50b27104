package io.loopwire.relay;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An external client (a Python script, {@code nc}) run as a process: stdin written by the test, stdout and stderr
 * collected by reader threads, every wait bounded, and destroyed (forcibly if need be) on close.
 */
final class ClientProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final OutputStream stdin;
    private final List<String> stdout = new ArrayList<>();
    private final StringBuffer stderr = new StringBuffer();
    private int consumed;

    private ClientProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = process.getOutputStream();
        Thread out = new Thread(() -> collect(process.getInputStream()), name + "-stdout");
        out.setDaemon(true);
        out.start();
        Thread err = new Thread(() -> drain(process.getErrorStream()), name + "-stderr");
        err.setDaemon(true);
        err.start();
    }

    static ClientProcess start(String name, List<String> command) throws IOException {
        return new ClientProcess(name, new ProcessBuilder(command).start());
    }

    /** Whether an executable named {@code name} is in one of the {@code PATH} directories. */
    static boolean onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code command --version}-like probe runs and exits 0 within a few seconds. */
    static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().transferTo(OutputStream.nullOutputStream());
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void collect(InputStream in) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (stdout) {
                    stdout.add(line);
                    stdout.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private void drain(InputStream in) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                stderr.append(line).append('\n');
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /** Writes one line to the process's stdin. */
    void sendLine(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Closes the process's stdin (EOF). */
    void closeStdin() throws IOException {
        stdin.close();
    }

    /**
     * Waits for the next stdout line (after those already matched) that satisfies {@code match} and returns it;
     * lines skipped on the way stay in {@link #output()}.
     */
    String awaitLine(String what, Predicate<String> match) {
        long deadline = System.nanoTime() + ChatClients.ARRIVES.toNanos();
        synchronized (stdout) {
            while (true) {
                for (int i = consumed; i < stdout.size(); i++) {
                    if (match.test(stdout.get(i))) {
                        consumed = i + 1;
                        return stdout.get(i);
                    }
                }
                long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMillis <= 0) {
                    fail(name + " did not print " + what + " within " + ChatClients.ARRIVES.toMillis() + " ms; stdout "
                            + stdout + ", stderr '" + stderr + "'" + (process.isAlive() ? "" : ", exited "
                            + process.exitValue()));
                }
                try {
                    stdout.wait(leftMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail("interrupted");
                }
            }
        }
    }

    String awaitLine(String expected) {
        return awaitLine("'" + expected + "'", expected::equals);
    }

    /** Everything printed so far. */
    List<String> output() {
        synchronized (stdout) {
            return new ArrayList<>(stdout);
        }
    }

    /** Waits (bounded) for the process to exit and returns its status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(name + " still running after " + timeout.toMillis() + " ms; stdout " + output() + ", stderr '"
                    + stderr + "'");
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String stderr() {
        return stderr.toString();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
