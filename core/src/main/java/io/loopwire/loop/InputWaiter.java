package io.loopwire.loop;

/**
 * A channel that found the loop's input held (see {@link Loop#holdInput()}), took its read interest off and waits to
 * be told the hold is over. Registered with {@link Loop#parkUntilInputReleased(InputWaiter)}.
 *
 * @implNote Runs on the reactor thread, inside {@link Loop#releaseInput()}: restore the read interest and ask for a
 *     revisit, never read here.
 */
@FunctionalInterface
public interface InputWaiter {

    void onInputReleased();
}
