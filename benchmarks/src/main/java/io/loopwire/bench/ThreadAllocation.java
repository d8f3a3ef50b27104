package io.loopwire.bench;

import io.loopwire.Reactor;
import java.io.IOException;
import java.lang.management.ManagementFactory;

/**
 * Heap bytes allocated and CPU time used by one thread of this JVM (HotSpot's per-thread TLAB accounting), read from
 * any thread: the way to see what a reactor thread allocates per operation without counting the load generator.
 *
 * @implNote Thread-safe. {@link #reactorThreadId} runs one task on the reactor; the readings allocate nothing on the
 *     thread being measured.
 */
public final class ThreadAllocation {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private ThreadAllocation() {
    }

    /** The id of {@code reactor}'s loop thread (the reactor must be running). */
    public static long reactorThreadId(Reactor reactor) throws IOException {
        return reactor.call(() -> Thread.currentThread().getId());
    }

    /** Bytes allocated so far by thread {@code tid}, or -1 if the JVM cannot tell. */
    public static long allocatedBytes(long tid) {
        return THREADS.getThreadAllocatedBytes(tid);
    }

    /** CPU nanoseconds (user + system) used so far by thread {@code tid}, or -1. */
    public static long cpuNanos(long tid) {
        return THREADS.getThreadCpuTime(tid);
    }
}
