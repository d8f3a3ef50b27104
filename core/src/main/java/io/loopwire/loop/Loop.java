package io.loopwire.loop;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * The transports' view of one {@code Reactor}: what a channel needs from the loop beyond the public API. One object
 * per reactor, made with it; {@link LoopAccess#of} finds it without allocating.
 *
 * @implNote Loop thread only (registering and the read buffer also before the loop has started).
 */
public interface Loop {

    /**
     * Registers {@code channel} (non-blocking) with the loop's selector, {@code handler} as its attachment.
     *
     * @throws ClosedChannelException if the reactor is closing or closed
     */
    SelectionKey register(SelectableChannel channel, int ops, IoHandler handler) throws ClosedChannelException;

    /**
     * Queues {@code work} to run once at the end of the current turn, or of the next turn when called while
     * end-of-turn work runs (so end-of-turn work that queues more cannot hold the loop).
     */
    void runAtEndOfTurn(EndOfTurn work);

    /**
     * Calls {@code revisit} once in the next turn, right after the ready channels, whether or not its channel is ready
     * then; the next select does not block. For a channel that stopped at its share of a turn with input already read
     * (the socket may have nothing more to make it ready).
     */
    void revisitNextTurn(Revisit revisit);

    /** The loop-shared buffer that channels read into; its content is valid only until the handler returns. */
    ByteBuffer readBuffer();

    /** A loop-shared array for gathering writes (its slots are overwritten by each user; clear what you set). */
    ByteBuffer[] gatherScratch();

    /**
     * The number of the current turn: grows by one per turn, never repeats. What tells one turn from the next (a
     * per-turn share, memory reused every turn).
     */
    long turn();

    /**
     * Stops this loop's channels from reading input until every hold is released: a channel that becomes readable
     * meanwhile takes its read interest off and parks (so the kernel's buffers, and TCP's window, hold what its peer
     * sends). For work downstream of the loop that must not grow: a hand-over to another loop that is full. Holds
     * count: each call needs one {@link #releaseInput()}.
     */
    void holdInput();

    /** Ends one hold; when the last ends, every parked channel is told, in the order it parked. */
    void releaseInput();

    /** Whether input is held: a channel that is ready to read should park instead. */
    boolean inputHeld();

    /** Calls {@code waiter} once when the hold ends (at once, if input is not held any more). */
    void parkUntilInputReleased(InputWaiter waiter);
}
