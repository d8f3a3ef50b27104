package io.loopwire;

/**
 * A task scheduled on a {@link Reactor}'s timer heap.
 *
 * @implNote {@link #cancel()} and {@link #isCancelled()} may be called from any thread; a task cancelled from another
 *     thread may still run once if the loop had already started it.
 */
public interface Timeout {

    /** Stops further runs of the task. Returns {@code false} if it was already cancelled. */
    boolean cancel();

    /** Whether {@link #cancel()} was called. */
    boolean isCancelled();
}
