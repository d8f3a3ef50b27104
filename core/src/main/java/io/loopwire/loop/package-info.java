/**
 * The loop's plumbing for the transports, not exported by the module: how a channel is registered, what the loop
 * calls ({@link io.loopwire.loop.IoHandler}, {@link io.loopwire.loop.EndOfTurn}, {@link io.loopwire.loop.Revisit},
 * {@link io.loopwire.loop.InputWaiter}),
 * the loop-shared buffers and the turn number. Reached with {@link io.loopwire.loop.LoopAccess#of}; used by
 * the reactor, {@code tcp} and {@code udp}, never by applications. Uses: nothing of loopwire.
 */
package io.loopwire.loop;
