package io.loopwire.loop;

import java.io.IOException;
import java.nio.channels.SelectionKey;

/**
 * What a {@code Reactor} calls for a registered channel; the handler is the channel's key attachment. Implemented by
 * private classes of the transports ({@code TcpServer}, {@code TcpConnection}, {@code UdpEndpoint}), never shown on
 * their public types.
 *
 * @implNote Every method runs on the reactor thread.
 */
public interface IoHandler {

    /** The channel is ready for {@code key.readyOps()}. An exception closes this channel only, via {@link #fail}. */
    void onReady(SelectionKey key) throws IOException;

    /** {@link #onReady} threw: release the channel. Must not throw. */
    void fail(Throwable cause);

    /**
     * The reactor is closing: stop taking new input and keep flushing. Called once per turn until it returns
     * {@code true} (nothing left to write) or the grace period ends.
     */
    boolean drainForShutdown();

    /** The grace period is over (or the reactor is stopping hard): close now. Must not throw. */
    void closeForShutdown();
}
