package io.loopwire.examples;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
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
 * {@code java -jar loopwire.jar ...} as a process, with the running JVM's {@code java}: stdin written by the test,
 * stdout and stderr collected line by line by reader threads, every wait bounded, destroyed on close.
 */
final class JarProcess implements AutoCloseable {
    static final Duration ARRIVES = Duration.ofSeconds(10);

    private final String name;
    private final Process process;
    private final OutputStream stdin;
    private final List<String> stdout = new ArrayList<>();
    private final List<String> stderr = new ArrayList<>();
    private final Thread outReader;
    private final Thread errReader;
    private int consumed;

    private JarProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.outReader = reader(process.getInputStream(), stdout, name + "-stdout");
        this.errReader = reader(process.getErrorStream(), stderr, name + "-stderr");
    }

    /** The shaded jar the build made (surefire passes its path), or fails clearly. */
    static Path jar() {
        String property = System.getProperty("loopwire.jar");
        Path jar = property != null ? Path.of(property) : Path.of("target", "loopwire.jar");
        if (!Files.isRegularFile(jar)) {
            fail("no loopwire.jar at " + jar.toAbsolutePath() + "; run 'mvn -pl examples package'");
        }
        return jar;
    }

    static JarProcess start(String... args) throws IOException {
        return startWithJvmOptions(List.of(), args);
    }

    /** As {@link #start}, with extra JVM options (they come last, so {@code -Xmx} here overrides the default). */
    static JarProcess startWithJvmOptions(List<String> jvmOptions, String... args) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xmx64m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar().toString()));
        command.addAll(List.of(args));
        return new JarProcess(String.join(" ", args), new ProcessBuilder(command).start());
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

    void sendLine(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    void closeStdin() throws IOException {
        stdin.close();
    }

    /** The next stdout line (after those already matched) satisfying {@code match}. */
    String awaitLine(String what, Predicate<String> match) {
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

    String awaitLine(String expected) {
        return awaitLine("'" + expected + "'", expected::equals);
    }

    /** Waits (bounded) for the exit, then for the output readers to finish; returns the exit status. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(ARRIVES.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("'" + name + "' still running after " + ARRIVES.toMillis() + " ms; " + describe());
        }
        outReader.join(ARRIVES.toMillis());
        errReader.join(ARRIVES.toMillis());
        return process.exitValue();
    }

    List<String> stdout() {
        synchronized (stdout) {
            return new ArrayList<>(stdout);
        }
    }

    List<String> stderr() {
        synchronized (stderr) {
            return new ArrayList<>(stderr);
        }
    }

    String describe() {
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
}
