package io.loopwire.tcp;

import io.loopwire.Poll;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link TcpHandler} for tests: echoes each frame back with a newline (unless {@link #onFrame} is overridden),
 * remembers connections by the client's local port and records how each closed.
 */
class RecordingHandler implements TcpHandler {
    /** Keyed by the peer's port, which is the client socket's local port. Written on the loop. */
    final Map<Integer, TcpConnection> connections = new ConcurrentHashMap<>();
    final Map<Integer, CloseReason> closed = new ConcurrentHashMap<>();
    final List<Boolean> writabilityChanges = new CopyOnWriteArrayList<>();

    @Override
    public void onConnected(TcpConnection connection) {
        connections.put(connection.remoteAddress().getPort(), connection);
    }

    @Override
    public void onFrame(TcpConnection connection, ByteBuffer frame) {
        ByteBuffer copy = ByteBuffer.allocate(frame.remaining() + 1);
        copy.put(frame).put((byte) '\n').flip();
        connection.send(copy);
    }

    @Override
    public void onWritabilityChanged(TcpConnection connection, boolean writable) {
        writabilityChanges.add(writable);
    }

    @Override
    public void onClosed(TcpConnection connection, CloseReason reason) {
        CloseReason previous = closed.put(connection.remoteAddress().getPort(), reason);
        assert previous == null : "onClosed twice for " + connection.peer();
    }

    /** Waits until the server has accepted {@code client}'s connection and returns it. */
    TcpConnection awaitConnection(Socket client) throws Exception {
        int port = client.getLocalPort();
        Poll.until(() -> connections.containsKey(port), "the server to accept client port " + port);
        return connections.get(port);
    }

    /** Waits until {@code client}'s connection has closed on the server side and returns the reason. */
    CloseReason awaitClosed(Socket client) throws Exception {
        int port = client.getLocalPort();
        Poll.until(() -> closed.containsKey(port), "the server to close client port " + port);
        return closed.get(port);
    }
}
