package io.loopwire.relay;

import io.loopwire.codec.FrameTooLongException;
import io.loopwire.tcp.CloseReason;
import io.loopwire.tcp.TcpConnection;
import io.loopwire.tcp.TcpHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The chat over TCP: every connection is a member of the room; each frame is relayed to the other members;
 * {@code /quit} or {@code /sair} ends the session; an over-long line earns {@code ! error: ...} and a disconnect.
 * Give its {@link #handler()} to a {@code TcpServer} (line framing for the wire contract, raw framing for the
 * original system's clients, which send text without a newline).
 *
 * @implNote Reactor thread only: its handler runs where every {@link TcpHandler} runs.
 */
public final class TcpRelay {
    private final ChatRoom room;
    private final long maxOutboundBytes;
    private final Connections connections = new Connections();

    /**
     * @param maxOutboundBytes the server's outbound limit, named in the error a slow reader gets
     */
    public TcpRelay(ChatRoom room, long maxOutboundBytes) {
        this.room = Objects.requireNonNull(room, "room");
        this.maxOutboundBytes = maxOutboundBytes;
    }

    /** The server's handler: give it to {@code TcpServer.Builder.handler}. */
    public TcpHandler handler() {
        return connections;
    }

    /** The server's callbacks, in a private class so that they are not part of the relay's public face. */
    private final class Connections implements TcpHandler {
        @Override
        public void onConnected(TcpConnection connection) {
            joined(connection);
        }

        @Override
        public void onFrame(TcpConnection connection, ByteBuffer frame) {
            said(connection, frame);
        }

        @Override
        public void onFrameTooLong(TcpConnection connection, FrameTooLongException error) {
            end(connection, errorLine(error.getMessage()), CloseReason.FRAME_TOO_LONG);
        }

        @Override
        public void onOutboundLimit(TcpConnection connection) {
            connection.closeAfter(errorLine("too slow: more than " + maxOutboundBytes + " bytes waiting for you"),
                    CloseReason.OUTBOUND_LIMIT);
        }

        @Override
        public void onClosed(TcpConnection connection, CloseReason reason) {
            if (connection.attachment() instanceof TcpMember m) {
                room.leave(m);
            }
        }
    }

    private void joined(TcpConnection connection) {
        TcpMember member = new TcpMember(connection);
        connection.attach(member);
        room.join(member);
    }

    private void said(TcpConnection connection, ByteBuffer frame) {
        Commands.stripLineEnd(frame);
        if (!frame.hasRemaining()) {
            return; // an empty line says nothing
        }
        if (Commands.isQuit(frame)) {
            end(connection, null, CloseReason.LOCAL);
            return;
        }
        room.broadcast((TcpMember) connection.attachment(), frame);
    }

    /**
     * Leaves the room now, then closes gracefully. The close waits for the peer's FIN (up to the close timeout), and
     * a client such as {@code nc} does not send one while its stdin is open: the others hear "left" at once instead.
     * Not for the outbound limit, which is reached while the room is delivering.
     */
    private void end(TcpConnection connection, ByteBuffer lastMessage, CloseReason reason) {
        if (connection.attachment() instanceof TcpMember m) {
            room.leave(m);
        }
        connection.closeAfter(lastMessage, reason);
    }

    private static ByteBuffer errorLine(String message) {
        return ByteBuffer.wrap(("! error: " + message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A member reached over a TCP connection. */
    static final class TcpMember extends Member {
        private final TcpConnection connection;

        TcpMember(TcpConnection connection) {
            super(connection.remoteAddress(), connection.peer());
            this.connection = connection;
        }

        @Override
        protected void deliver(ByteBuffer line, boolean transientBytes) {
            if (transientBytes) {
                connection.sendTransient(line);
            } else {
                connection.send(line);
            }
        }

        /** The line went to TCP members but is too long for a datagram: say so, rather than drop it silently. */
        @Override
        protected void undeliverable(int recipients, int maxLineBytes) {
            connection.send(errorLine("line too long for " + recipients + " UDP member(s) (at most "
                    + (maxLineBytes - 1) + " bytes with the sender prefix); not delivered to them"));
        }
    }
}
