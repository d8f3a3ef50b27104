package io.loopwire.testkit;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A program run as a process by a test (the loopwire jar, a Python script, {@code nc}, a server): stdin written by
 * the test, stdout and stderr collected line by line by reader threads, every wait bounded, destroyed (forcibly if
 * need be) on close. Shared by every module's tests through core's test-jar.
 */
public class ExternalProcess implements AutoCloseable {
    /** How long a line or an exit may take to arrive (the test machine is shared). */
    public static final Duration ARRIVES = Duration.ofSeconds(10);

    private final String name;
    private final Process process;
    private final OutputStream stdin;
    private final List<String> stdout = new ArrayList<>();
    private final List<String> stderr = new ArrayList<>();
    private final Thread outReader;
    private final Thread errReader;
    private int consumed;

    protected ExternalProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.outReader = reader(process.getInputStream(), stdout, name + "-stdout");
        this.errReader = reader(process.getErrorStream(), stderr, name + "-stderr");
    }

    /** Starts {@code command}; {@code name} names it in failure messages. */
    public static ExternalProcess start(String name, List<String> command) throws IOException {
        return new ExternalProcess(name, new ProcessBuilder(command).start());
    }

    /** Whether an executable named {@code program} is in one of the {@code PATH} directories. */
    public static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code command} (a {@code --version}-like probe) runs and exits 0 within a few seconds. */
    public static boolean runs(String... command) {
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

    private static Thread reader(InputStream in, List<String> lines, String threadName) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Writes one line to the process's stdin. */
    public void sendLine(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Closes the process's stdin (EOF). */
    public void closeStdin() throws IOException {
        stdin.close();
    }

    /**
     * Waits for the next stdout line (after those already matched) that satisfies {@code match} and returns it; lines
     * skipped on the way stay in {@link #stdout()}.
     */
    public String awaitLine(String what, Predicate<String> match) {
        long deadline = System.nanoTime() + ARRIVES.toNanos();
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
                    fail("'" + name + "' did not print " + what + " within " + ARRIVES.toMillis() + " ms; "
                            + describe());
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

    /** Waits for the next stdout line equal to {@code expected}. */
    public String awaitLine(String expected) {
        return awaitLine("'" + expected + "'", expected::equals);
    }

    /** {@link #awaitExit(Duration)} within {@link #ARRIVES}. */
    public int awaitExit() throws InterruptedException {
        return awaitExit(ARRIVES);
    }

    /** Waits (bounded) for the exit, then for the output readers to finish; returns the exit status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("'" + name + "' still running after " + timeout.toMillis() + " ms; " + describe());
        }
        outReader.join(ARRIVES.toMillis());
        errReader.join(ARRIVES.toMillis());
        return process.exitValue();
    }

    /** Every stdout line so far. */
    public List<String> stdout() {
        synchronized (stdout) {
            return new ArrayList<>(stdout);
        }
    }

    /** Every stderr line so far. */
    public List<String> stderr() {
        synchronized (stderr) {
            return new ArrayList<>(stderr);
        }
    }

    /** The operating system's id of the process (to read its /proc entries, say). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Output and state, for failure messages. */
    public String describe() {
        return "stdout " + stdout() + ", stderr " + stderr() + (process.isAlive() ? "" : ", exit " + process.exitValue());
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
