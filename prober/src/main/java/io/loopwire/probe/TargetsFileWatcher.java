package io.loopwire.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Re-reads a {@link TargetsFile} when it changes and hands the new set to a {@link LatencyProber}
 * ({@link LatencyProber#replaceTargets}), so unchanged targets keep their history. Every {@code period} it compares
 * the file's modification time and size with the last read, and reads a change once it has stayed the same for one
 * more period (a file caught half written is not taken for a smaller set; writers should still write a new file and
 * rename it over the old one); a file touched but not changed changes nothing; reading, parsing and DNS happen on its own daemon
 * thread, never on the loop. A file with bad lines (or one that vanished) is reported and the old targets stay.
 *
 * @implNote Thread-safe. The report callback runs on the watcher's thread.
 */
public final class TargetsFileWatcher implements AutoCloseable {
    private final Path file;
    private final LatencyProber prober;
    private final Consumer<String> report;
    private final ScheduledExecutorService thread;
    private FileTime lastModified;
    private long lastSize = -1;
    private FileTime pendingModified;
    private long pendingSize = -1;
    private volatile long reloads;
    private volatile long rejected;

    /** Starts watching from the file's current modification time and size (what the prober was built from). */
    private TargetsFileWatcher(Path file, LatencyProber prober, Duration period, Consumer<String> report)
            throws IOException {
        this.file = Objects.requireNonNull(file, "file");
        this.prober = Objects.requireNonNull(prober, "prober");
        this.report = Objects.requireNonNull(report, "report");
        this.lastModified = Files.getLastModifiedTime(file);
        this.lastSize = Files.size(file);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loopwire-targets-file");
            t.setDaemon(true);
            return t;
        });
        long millis = Math.max(1, period.toMillis());
        thread.scheduleWithFixedDelay(this::poll, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Watches {@code file}, whose current content the prober already probes (read it with {@link TargetsFile#read}
     * first); checks it every {@code period}.
     */
    public static TargetsFileWatcher watch(Path file, LatencyProber prober, Duration period,
            Consumer<String> report) throws IOException {
        return new TargetsFileWatcher(file, prober, period, report);
    }

    /** Sets of targets taken from the file since it started. */
    public long reloads() {
        return reloads;
    }

    /** Changes of the file that were refused (bad lines, unreadable). */
    public long rejected() {
        return rejected;
    }

    private void poll() {
        try {
            FileTime modified;
            long size;
            try {
                modified = Files.getLastModifiedTime(file);
                size = Files.size(file);
            } catch (IOException e) {
                if (lastSize != -2) {
                    report.accept("targets-file " + file + ": cannot read (" + e.getMessage()
                            + "); keeping the current targets");
                    rejected++;
                    lastSize = -2;
                }
                return;
            }
            if (modified.equals(lastModified) && size == lastSize) {
                return;
            }
            if (!modified.equals(pendingModified) || size != pendingSize) {
                // Changed since the last look: wait one more period for it to settle, so a file caught half
                // written (truncated, then filled) is not taken as a smaller set of targets.
                pendingModified = modified;
                pendingSize = size;
                return;
            }
            lastModified = modified;
            lastSize = size;
            List<TargetSpec> specs;
            try {
                specs = TargetsFile.read(file);
            } catch (TargetsFile.BadTargetsException e) {
                report.accept("targets-file " + e.getMessage() + "; keeping the current targets");
                rejected++;
                return;
            }
            if (prober.targets().stream().map(ProbeTarget::spec).toList().equals(specs)) {
                return; // touched, not changed
            }
            Set<ProbeTarget> before = Collections.newSetFromMap(new IdentityHashMap<>());
            before.addAll(prober.targets());
            List<ProbeTarget> now = prober.replaceTargets(specs);
            long kept = now.stream().filter(before::contains).count();
            report.accept("targets-file " + file + ": " + now.size() + " targets (" + kept + " unchanged, "
                    + (now.size() - kept) + " new, " + (before.size() - kept) + " removed)");
            reloads++; // after the report, so whoever waits for the count finds the report too
        } catch (IOException | RuntimeException e) {
            report.accept("targets-file " + file + ": " + e + "; keeping the current targets");
            rejected++;
        }
    }

    /** Stops watching. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
