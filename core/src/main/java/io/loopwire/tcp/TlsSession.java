package io.loopwire.tcp;

import io.loopwire.Reactor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;

/**
 * One connection's {@link SSLEngine}, between its socket and its {@code Inbound}/{@code Outbound}: {@link #read}
 * gives plaintext where a socket read gave bytes, {@link #write} takes plaintext where a socket write took bytes.
 *
 * <p>Buffers: ciphertext is read into, and wrapped into, the group's scratch buffers ({@link TlsShared}); a connection
 * borrows a packet buffer of its own only while it must keep ciphertext across turns (half a record read, or a record
 * the socket did not take) and gives it back as soon as it empties. An idle connection so holds no packet buffer
 * (what OpenSSL's {@code SSL_MODE_RELEASE_BUFFERS} does).
 *
 * <p>Handshake: driven by the connection's readiness events; the engine's delegated tasks run on
 * {@link io.loopwire.tls.TlsConfig#delegatedTasks()}, and their end is handed back to the loop with
 * {@code execute}. TLS below 1.2 is never enabled; a handshake after the first (renegotiation, TLS 1.2) ends the
 * connection. A TLS 1.3 post-handshake message (a key update) is answered.
 *
 * <p>End of stream: the peer's {@code close_notify} reads as the end of the stream; a TCP FIN without it is marked
 * {@link #truncated()}, and the connection decides whether it cut a frame.
 *
 * @implNote Reactor thread only, except the delegated tasks, which touch the engine alone while
 *     {@code tasksRunning} keeps the loop off it.
 */
final class TlsSession {
    private static final ByteBuffer[] NOTHING = {ByteBuffer.allocate(0)};
    /** Records wrapped per {@link #write} call at most (each one socket write). */
    private static final int RECORDS_PER_WRITE = 4;

    private final TcpConnection connection;
    private final TlsShared shared;
    private final SocketChannel channel;
    private final Reactor reactor;
    private final SSLEngine engine;
    /** The end of the delegated tasks, handed to the loop; made once per connection. */
    private final Runnable tasksDone = this::tasksDone;

    /** Ciphertext read and not yet unwrapped (read mode), or null. */
    private ByteBuffer netIn;
    /** Ciphertext wrapped and not yet written (read mode), or null. */
    private ByteBuffer netOut;
    private boolean handshaking = true;
    private boolean handshakeDoneOnce;
    private boolean tasksRunning;
    private boolean closeNotifyWrapped;
    /** The socket read returned end of stream. */
    private boolean socketEnded;
    /** The last socket read filled its buffer: the socket may hold more. */
    private boolean socketMayHoldMore;

    TlsSession(TcpConnection connection, TlsShared shared, SocketChannel channel, Reactor reactor,
            InetSocketAddress peer) {
        this.connection = connection;
        this.shared = shared;
        this.channel = channel;
        this.reactor = reactor;
        this.engine = shared.config.newEngine(peer);
        shared.sizes(engine.getSession().getPacketBufferSize(), engine.getSession().getApplicationBufferSize());
    }

    /** Starts the handshake (a client's first flight is wrapped by the first {@link #handshake} step). */
    void begin() throws IOException {
        engine.beginHandshake();
    }

    boolean handshaking() {
        return handshaking;
    }

    /** Ciphertext is waiting for the socket. */
    boolean hasPendingOutput() {
        return netOut != null;
    }

    /**
     * More plaintext may come without the socket becoming ready: a whole record is held (left when the read buffer
     * filled up), or the last socket read filled its buffer. Half a record held is not more: the socket's readiness
     * brings the rest.
     */
    boolean hasMore() {
        return socketMayHoldMore || holdsWholeRecord();
    }

    /** Whether the ciphertext held starts with a complete record (5-byte header with its length, then the body). */
    private boolean holdsWholeRecord() {
        if (netIn == null || netIn.remaining() < 5) {
            return false;
        }
        int p = netIn.position();
        int length = ((netIn.get(p + 3) & 0xff) << 8) | (netIn.get(p + 4) & 0xff);
        return netIn.remaining() >= 5 + length;
    }

    /** The stream ended with a TCP FIN and no {@code close_notify} before it. */
    boolean truncated() {
        return socketEnded && !engine.isInboundDone();
    }

    /** Ciphertext of an unfinished record is held (the peer stopped in the middle of one). */
    boolean holdsPartialRecord() {
        return netIn != null;
    }

    /** The negotiated protocol ({@code TLSv1.3}, {@code TLSv1.2}) once the handshake is done. */
    String protocol() {
        return engine.getSession().getProtocol();
    }

    /**
     * Reads plaintext into {@code dst} (a loop-shared buffer, cleared): the bytes produced, 0 if none yet, -1 at the
     * end of the stream. Drives the handshake first while it is not done.
     *
     * @throws TlsFailure for a TLS error, with the close reason
     * @throws IOException if the socket failed
     */
    int read(ByteBuffer dst) throws IOException {
        socketMayHoldMore = false;
        int start = dst.position(); // a handshake's last records may carry application data too
        if (handshaking) {
            if (!handshake(dst)) {
                return socketEnded ? -1 : 0;
            }
            if (connection.isClosed()) {
                return 0; // closed by the handler's onConnected
            }
        }
        ByteBuffer in = netIn != null ? netIn : shared.scratchIn();
        try {
            while (true) {
                unwrapAll(in, dst);
                if (handshaking) {
                    break; // a post-handshake message (TLS 1.3 key update) to answer; the next read carries on
                }
                if (engine.isInboundDone() || dst.remaining() < shared.applicationBytes()) {
                    break;
                }
                int n = readSocket(in);
                if (n <= 0) {
                    break;
                }
            }
        } finally {
            keep(in);
        }
        if (handshaking) {
            handshake(dst); // answer a key update now if the socket takes it; what was read is handed on below
        }
        int produced = dst.position() - start;
        if (produced > 0) {
            return produced;
        }
        return engine.isInboundDone() || socketEnded ? -1 : 0;
    }

    /** Unwraps whole records from {@code in} while {@code dst} has room for one. */
    private void unwrapAll(ByteBuffer in, ByteBuffer dst) throws TlsFailure {
        while (in.hasRemaining() && dst.remaining() >= shared.applicationBytes() && !engine.isInboundDone()) {
            SSLEngineResult r = unwrap(in, dst);
            if (r.getStatus() != Status.OK) {
                return; // BUFFER_UNDERFLOW: half a record; CLOSED: close_notify
            }
            HandshakeStatus hs = r.getHandshakeStatus();
            if (hs != HandshakeStatus.NOT_HANDSHAKING && hs != HandshakeStatus.FINISHED) {
                postHandshake();
                return;
            }
        }
    }

    /** The peer started a handshake after the first: renegotiation (refused) or a TLS 1.3 key update (answered). */
    private void postHandshake() throws TlsFailure {
        if (!"TLSv1.3".equals(engine.getSession().getProtocol())) {
            throw new TlsFailure(CloseReason.TLS_PROTOCOL_ERROR,
                    "renegotiation refused (" + engine.getSession().getProtocol() + ")", null);
        }
        handshaking = true;
    }

    private SSLEngineResult unwrap(ByteBuffer in, ByteBuffer dst) throws TlsFailure {
        try {
            return engine.unwrap(in, dst);
        } catch (SSLException e) {
            throw failure(e);
        }
    }

    /** Reads ciphertext from the socket into the end of {@code in} (read mode before and after). */
    private int readSocket(ByteBuffer in) throws IOException {
        in.compact();
        int n;
        try {
            n = channel.read(in);
        } finally {
            in.flip();
        }
        if (n < 0) {
            socketEnded = true;
        } else {
            socketMayHoldMore = n > 0 && in.limit() == in.capacity();
        }
        return n;
    }

    /** After a read: what {@code in} still holds stays with this connection; an empty own buffer goes back. */
    private void keep(ByteBuffer in) {
        if (!in.hasRemaining()) {
            if (netIn != null) {
                shared.give(netIn);
                netIn = null;
            }
        } else if (shared.isScratchIn(in)) {
            netIn = shared.take();
            netIn.put(in).flip();
        }
    }

    /**
     * One run of the handshake as far as it goes now; returns whether it is done. Stops when it needs the peer's
     * bytes (the socket is drained), the socket is full ({@link #hasPendingOutput}), or tasks run off the loop.
     */
    private boolean handshake(ByteBuffer dst) throws IOException {
        if (tasksRunning) {
            return false;
        }
        ByteBuffer in = netIn != null ? netIn : shared.scratchIn();
        try {
            while (true) {
                HandshakeStatus hs = engine.getHandshakeStatus();
                switch (hs) {
                    case NEED_TASK -> {
                        startTasks();
                        return false;
                    }
                    case NEED_WRAP -> {
                        if (!wrapHandshake()) {
                            return false;
                        }
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        if (!in.hasRemaining() || unwrap(in, dst).getStatus() == Status.BUFFER_UNDERFLOW) {
                            int n = readSocket(in);
                            if (n < 0) {
                                String why = "the peer closed the connection during the handshake";
                                shared.handshakeFailed(connection.peer(), why);
                                throw new TlsFailure(CloseReason.TLS_HANDSHAKE_FAILED, why, null);
                            }
                            if (n == 0) {
                                return false;
                            }
                        } else if (engine.isInboundDone()) {
                            return false; // close_notify during the handshake; read reports the end
                        }
                    }
                    default -> { // NOT_HANDSHAKING: done
                        finished();
                        return true;
                    }
                }
            }
        } finally {
            keep(in);
        }
    }

    private void finished() {
        handshaking = false;
        if (!handshakeDoneOnce) {
            handshakeDoneOnce = true;
            connection.tlsHandshakeDone();
        }
    }

    /** Wraps the engine's handshake records and writes them; false if the socket did not take them all. */
    private boolean wrapHandshake() throws IOException {
        if (netOut != null && !flushOutput()) {
            return false;
        }
        ByteBuffer out = shared.scratchOut();
        try {
            do {
                SSLEngineResult r = engine.wrap(NOTHING, out);
                if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                    break; // the scratch is full: write it, then wrap the rest
                }
                if (r.getStatus() == Status.CLOSED && out.position() == 0) {
                    throw new TlsFailure(CloseReason.TLS_HANDSHAKE_FAILED, "the engine closed during the handshake",
                            null);
                }
            } while (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP
                    && out.remaining() >= shared.packetBytes() / 4);
        } catch (SSLException e) {
            throw failure(e);
        }
        out.flip();
        return writeOut(out);
    }

    private void startTasks() {
        tasksRunning = true;
        try {
            io.loopwire.tls.TlsConfig.delegatedTasks().execute(this::runTasks);
        } catch (RejectedExecutionException e) {
            tasksRunning = false;
            throw e;
        }
    }

    /** On a task thread: the engine's expensive handshake work, then back to the loop. */
    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
        try {
            reactor.execute(tasksDone);
        } catch (RejectedExecutionException e) {
            // the reactor closed meanwhile, and the connection with it
        }
    }

    private void tasksDone() {
        tasksRunning = false;
        connection.tlsResume();
    }

    /**
     * Wraps plaintext from {@code srcs[offset..offset+length)} and writes it: the plaintext bytes consumed. What the
     * socket does not take is kept ({@link #hasPendingOutput}) and written first next time; while some is kept, or
     * while handshaking, nothing more is wrapped (0).
     */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (handshaking || tasksRunning || (netOut != null && !flushOutput())) {
            return 0;
        }
        long wanted = 0;
        for (int i = offset; i < offset + length; i++) {
            wanted += srcs[i].remaining();
        }
        long consumed = 0;
        for (int record = 0; record < RECORDS_PER_WRITE && consumed < wanted; record++) {
            ByteBuffer out = shared.scratchOut();
            SSLEngineResult r;
            try {
                r = engine.wrap(srcs, offset, length, out);
            } catch (SSLException e) {
                throw failure(e);
            }
            consumed += r.bytesConsumed();
            out.flip();
            boolean written = writeOut(out);
            if (r.getStatus() != Status.OK || !written || r.bytesConsumed() == 0) {
                break;
            }
        }
        return consumed;
    }

    /** Writes {@code out} (read mode, the scratch); what the socket leaves is copied into this connection's own. */
    private boolean writeOut(ByteBuffer out) throws IOException {
        if (out.hasRemaining()) {
            channel.write(out);
        }
        if (!out.hasRemaining()) {
            return true;
        }
        netOut = shared.take();
        netOut.put(out).flip();
        return false;
    }

    /** Writes the kept ciphertext; true once none is left. */
    boolean flushOutput() throws IOException {
        if (netOut == null) {
            return true;
        }
        channel.write(netOut);
        if (netOut.hasRemaining()) {
            return false;
        }
        shared.give(netOut);
        netOut = null;
        return true;
    }

    /**
     * Wraps {@code close_notify} (once) and writes it after any kept ciphertext: true once it is all written. Skipped
     * (true) while the handshake is unfinished or its tasks run.
     */
    boolean sendCloseNotify() throws IOException {
        if (closeNotifyWrapped || handshaking || tasksRunning) {
            return flushOutput();
        }
        if (!flushOutput()) {
            return false;
        }
        closeNotifyWrapped = true;
        engine.closeOutbound();
        ByteBuffer out = shared.scratchOut();
        try {
            engine.wrap(NOTHING, out);
        } catch (SSLException e) {
            return true; // nothing more to say to this peer
        }
        out.flip();
        return writeOut(out);
    }

    /** After an engine error: the alert it prepared goes out if the socket takes it now (the peer learns why). */
    private void sendAlert() {
        if (netOut != null || engine.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
            return;
        }
        try {
            ByteBuffer out = shared.scratchOut();
            engine.wrap(NOTHING, out);
            out.flip();
            channel.write(out);
        } catch (IOException | RuntimeException e) {
            // the connection closes anyway
        }
    }

    /** The connection closed: buffers go back (to be dropped with it). */
    void release() {
        if (netIn != null) {
            shared.give(netIn);
            netIn = null;
        }
        if (netOut != null) {
            shared.give(netOut);
            netOut = null;
        }
    }

    private TlsFailure failure(SSLException e) {
        sendAlert();
        if (handshaking && !handshakeDoneOnce) {
            shared.handshakeFailed(connection.peer(), e.getMessage());
            return new TlsFailure(CloseReason.TLS_HANDSHAKE_FAILED, e.getMessage(), e);
        }
        return new TlsFailure(CloseReason.TLS_PROTOCOL_ERROR, e.getMessage(), e);
    }
}
