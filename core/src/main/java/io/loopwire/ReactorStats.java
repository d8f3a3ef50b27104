package io.loopwire;

/**
 * Counters of one {@link Reactor}: plain primitives, written by the loop thread.
 *
 * @implNote Read them on the loop thread (or through {@link Reactor#execute}); read elsewhere they may be stale.
 */
public final class ReactorStats {
    long turns;
    long tasksRun;
    long timersFired;
    long handlerErrors;
    long taskErrors;

    /** Made by the owning reactor; users only read it. */
    ReactorStats() {
    }

    /** Loop turns (one select each). */
    public long turns() {
        return turns;
    }

    /** Tasks run from {@link Reactor#execute}. */
    public long tasksRun() {
        return tasksRun;
    }

    /** Timer runs, counting each run of a periodic timer. */
    public long timersFired() {
        return timersFired;
    }

    /** Exceptions thrown by channel handlers; each closed its own channel. */
    public long handlerErrors() {
        return handlerErrors;
    }

    /** Exceptions thrown by tasks and timers; each was logged and the loop went on. */
    public long taskErrors() {
        return taskErrors;
    }

    @Override
    public String toString() {
        return "ReactorStats{turns=" + turns + ", tasksRun=" + tasksRun + ", timersFired=" + timersFired
                + ", handlerErrors=" + handlerErrors + ", taskErrors=" + taskErrors + '}';
    }
}
