package io.loopwire;

/**
 * A channel that stopped at its share of a loop turn with work in hand (input already read and not yet handed on)
 * and must be called again next turn whether or not its socket becomes ready. Registered with
 * {@link Reactor#revisitNextTurn(Revisit)}.
 *
 * @implNote Runs on the reactor thread.
 */
@FunctionalInterface
public interface Revisit {

    void onRevisit();
}
