package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.AllocationWindows;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-probe path (stats and classifier) allocates nothing once warm. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProbeAllocationTest {

    private static final int CALLS = 100_000;
    private static final long MS = 1_000_000L;

    @Test
    void recordingAndClassifyingAllocateNothing() throws Exception {
        final java.lang.management.ThreadMXBean plain = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(plain instanceof com.sun.management.ThreadMXBean, "no com.sun.management MXBean");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) plain;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "allocation counting unsupported");
        threads.setThreadAllocatedMemoryEnabled(true);
        final long thread = Thread.currentThread().getId();

        final ProbeStats stats = new ProbeStats();
        final Classifier classifier = new Classifier(ClassifierConfig.defaults());
        long sink = exercise(stats, classifier, 0); // warm up: let the JIT compile the loop
        sink += exercise(stats, classifier, 1);
        threads.getThreadAllocatedBytes(thread);

        final long[] sinkHolder = {sink};
        final int[] pass = {2};
        final long allocated = AllocationWindows.least(() -> {
            final long before = threads.getThreadAllocatedBytes(thread);
            sinkHolder[0] += exercise(stats, classifier, pass[0]++);
            return threads.getThreadAllocatedBytes(thread) - before;
        });

        assertThat(sinkHolder[0]).isNotZero();
        assertThat(allocated).as("bytes allocated by %d rounds", CALLS).isLessThan(1024);
    }

    /** Replies across every threshold, losses up to DOWN, late and duplicate replies. */
    private static long exercise(ProbeStats stats, Classifier classifier, int pass) {
        long changes = 0;
        long now = pass * 1_000_000_000_000L;
        for (int i = 0; i < CALLS; i++) {
            now += 10 * MS;
            stats.recordSent();
            if (i % 50 >= 46) {
                stats.recordLoss(now);
                stats.recordLate();
                if (classifier.onLoss() != null) {
                    changes++;
                }
            } else {
                final long rtt = (i % 7) * 60 * MS + i % 1000;
                stats.recordReply(rtt, now + rtt);
                if (i % 13 == 0) {
                    stats.recordDuplicate();
                }
                if (classifier.onReply(rtt) != null) {
                    changes++;
                }
            }
        }
        return changes + stats.received();
    }
}
