package io.loopwire.tcp;

import io.loopwire.codec.FrameTooLongException;
import java.nio.ByteBuffer;

/**
 * Callbacks of a {@link TcpServer}'s connections. One handler instance usually serves every connection; keep
 * per-connection state in {@link TcpConnection#attach(Object)}.
 *
 * @implNote Every method runs on the reactor thread. An exception thrown from a callback closes that connection
 *     ({@link CloseReason#HANDLER_ERROR}) and nothing else.
 */
public interface TcpHandler {

    /** A connection was accepted and registered. */
    default void onConnected(TcpConnection connection) {
    }

    /**
     * A complete frame arrived. {@code frame}'s remaining bytes are the payload, valid only during this call (it is a
     * view of a shared read buffer): copy what must outlive the call.
     */
    void onFrame(TcpConnection connection, ByteBuffer frame);

    /** The peer sent a frame over the framer's limit. By default the connection is closed. */
    default void onFrameTooLong(TcpConnection connection, FrameTooLongException error) {
        connection.close(CloseReason.FRAME_TOO_LONG);
    }

    /**
     * The outbound queue crossed its high-water mark ({@code writable == false}) or drained empty again
     * ({@code true}). Producers that can wait should stop sending to this connection meanwhile.
     */
    default void onWritabilityChanged(TcpConnection connection, boolean writable) {
    }

    /**
     * Under {@link OverflowPolicy#DISCONNECT}, the peer is over its outbound limit: after a turn's flush more than the
     * limit was left unwritten, or a message would take the queue of a peer already behind over it. The connection
     * closes with {@link CloseReason#OUTBOUND_LIMIT} after this returns, unless the handler closed it already (for
     * instance with a farewell through {@link TcpConnection#closeAfter}).
     */
    default void onOutboundLimit(TcpConnection connection) {
    }

    /** The connection closed; called exactly once per connection that was {@linkplain #onConnected connected}. */
    default void onClosed(TcpConnection connection, CloseReason reason) {
    }
}
