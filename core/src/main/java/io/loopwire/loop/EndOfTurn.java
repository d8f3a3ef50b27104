package io.loopwire.loop;

/**
 * Work deferred to the end of the current loop turn, after every ready channel and task has run; connections use it
 * to flush what a turn queued for them in one gathering write. Registered with
 * {@link Loop#runAtEndOfTurn(EndOfTurn)}.
 *
 * @implNote Runs on the reactor thread.
 */
@FunctionalInterface
public interface EndOfTurn extends Runnable {

    void onEndOfTurn();

    /** The loop keeps the transports' and users' end-of-turn work in one queue of {@code Runnable}s. */
    @Override
    default void run() {
        onEndOfTurn();
    }
}
