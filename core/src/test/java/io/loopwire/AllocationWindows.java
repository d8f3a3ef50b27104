package io.loopwire;

/**
 * Allocation measured so that luck cannot fail a test: the same work is measured in several windows and the least
 * is kept. A one-off allocation (class loading, a JIT deoptimisation, a lambda linked on first use, a pool growing
 * once) lands in one window and is not seen; an allocation per message lands in every window and is.
 */
public final class AllocationWindows {
    /** Windows per measurement; a one-off would have to recur in every one of them to count. */
    public static final int WINDOWS = 5;

    private AllocationWindows() {
    }

    /** One window: does the work and returns the bytes it allocated. */
    @FunctionalInterface
    public interface Window {
        long allocatedBytes() throws Exception;
    }

    /** The least bytes allocated by {@code window} over {@link #WINDOWS} runs. */
    public static long least(Window window) throws Exception {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < WINDOWS; i++) {
            least = Math.min(least, window.allocatedBytes());
        }
        return least;
    }

    /** The least of already measured per-window values. */
    public static long least(long[] perWindow) {
        long least = Long.MAX_VALUE;
        for (long v : perWindow) {
            least = Math.min(least, v);
        }
        return least;
    }
}
