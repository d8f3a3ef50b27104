package io.loopwire.bench;

import io.loopwire.bench.jmh.BroadcastFixture;
import io.loopwire.bench.jmh.UdpEchoFixture;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Bytes the server's reactor thread allocates per operation on the broadcast and UDP echo paths, read with
 * {@code ThreadMXBean#getThreadAllocatedBytes} around many operations after a warm-up: the per-thread figure JMH's
 * {@code -prof gc} (which sums all threads) cannot isolate.
 *
 * <pre>
 * java -cp benchmarks.jar io.loopwire.bench.AllocationCheck [--warmup 2s] [--duration 3s]
 * </pre>
 * One line per path: {@code alloc path=… ops=… reactor_bytes_per_op=… caller_bytes_per_op=…} (the caller is the
 * client thread driving the load; it should allocate nothing either).
 */
public final class AllocationCheck {
    private AllocationCheck() {
    }

    /** One operation of a path under test. */
    private interface Op {
        void run() throws IOException;
    }

    public static void main(String[] args) throws IOException {
        Duration warmup;
        Duration duration;
        try {
            Cli cli = Cli.parse(args, Set.of("warmup", "duration"), Set.of());
            warmup = cli.duration("warmup", Duration.ofSeconds(2));
            duration = cli.duration("duration", Duration.ofSeconds(3));
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, "usage: java -cp benchmarks.jar " + AllocationCheck.class.getName()
                    + " [--warmup 2s] [--duration 3s]");
            return;
        }
        for (int members : new int[] {10, 100}) {
            try (BroadcastFixture f = new BroadcastFixture(members)) {
                measure("broadcast members=" + members, f::broadcast, f::reactorAllocatedBytes, warmup, duration);
            }
        }
        for (boolean probe : new boolean[] {false, true}) {
            try (UdpEchoFixture f = new UdpEchoFixture(probe)) {
                measure("udp-echo request=" + (probe ? "probe" : "text"), f::echo, f::reactorAllocatedBytes, warmup,
                        duration);
            }
        }
    }

    private static void measure(String path, Op op, java.util.function.LongSupplier reactorBytes, Duration warmup,
            Duration duration) throws IOException {
        long end = System.nanoTime() + warmup.toNanos();
        while (System.nanoTime() < end) {
            op.run();
        }
        long caller = Thread.currentThread().getId();
        long ops = 0;
        long reactorBefore = reactorBytes.getAsLong();
        long callerBefore = ThreadAllocation.allocatedBytes(caller);
        long start = System.nanoTime();
        end = start + duration.toNanos();
        // Check the clock every 64 operations only: System.nanoTime allocates nothing, but keep the loop tight.
        while (true) {
            for (int i = 0; i < 64; i++) {
                op.run();
            }
            ops += 64;
            if (System.nanoTime() >= end) {
                break;
            }
        }
        long elapsed = System.nanoTime() - start;
        long reactorAfter = reactorBytes.getAsLong();
        long callerAfter = ThreadAllocation.allocatedBytes(caller);
        System.out.println(String.format(Locale.ROOT,
                "alloc path=%s ops=%d us_per_op=%.2f reactor_bytes=%d reactor_bytes_per_op=%.4f caller_bytes_per_op=%.4f",
                path, ops, elapsed / 1e3 / ops, reactorAfter - reactorBefore,
                (double) (reactorAfter - reactorBefore) / ops, (double) (callerAfter - callerBefore) / ops));
    }
}
