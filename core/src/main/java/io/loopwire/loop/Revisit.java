package io.loopwire.loop;

/**
 * A channel that stopped at its share of a loop turn with work in hand (input already read and not yet handed on)
 * and must be called again next turn whether or not its socket becomes ready. Registered with
 * {@link Loop#revisitNextTurn(Revisit)}.
 *
 * @implNote Runs on the reactor thread.
 */
@FunctionalInterface
public interface Revisit extends Runnable {

    void onRevisit();

    /** The loop keeps the transports' and users' revisits in one list of {@code Runnable}s. */
    @Override
    default void run() {
        onRevisit();
    }
}
