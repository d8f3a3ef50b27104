package io.loopwire.examples;

import static org.assertj.core.api.Assertions.fail;

import io.loopwire.testkit.ExternalProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar loopwire.jar ...} as an {@link ExternalProcess}, with the running JVM's {@code java} and a small
 * heap. Only the starting lives here; waiting and reading are the shared helper's.
 */
final class JarProcess extends ExternalProcess {

    private final Process process;

    private JarProcess(String name, Process process) {
        super(name, process);
        this.process = process;
    }

    /**
     * Sends a signal ({@code INT} as Ctrl-C does, {@code TERM} as a supervisor does) with {@code kill}: unlike
     * {@link Process#destroy}, which sends TERM but also closes our end of the pipes, what the process prints while
     * it stops is still read.
     */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            fail("kill -" + name + " " + process.pid() + " failed");
        }
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
}
