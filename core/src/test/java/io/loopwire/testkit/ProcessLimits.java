package io.loopwire.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Limits of this test process that decide how big a test may go (Linux {@code /proc}). */
public final class ProcessLimits {

    private ProcessLimits() {
    }

    /**
     * The soft open-files limit of this process (the JVM raises it to the hard limit at start), from
     * {@code /proc/self/limits}; {@link Long#MAX_VALUE} when unlimited, -1 if unknown.
     */
    public static long openFiles() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
