package io.loopwire.tcp;

import io.loopwire.Reactor;
import io.loopwire.tls.TlsConfig;
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
import javax.net.ssl.SSLProtocolException;

/**
 * One connection's {@link SSLEngine}, between its socket and its {@code Inbound}/{@code Outbound}: {@link #read}
 * gives plaintext where a socket read gave bytes, {@link #write} takes plaintext where a socket write took bytes.
 *
 * <p>Buffers: ciphertext is read into, and wrapped into, the group's scratch buffers ({@link TlsShared}); a connection
 * borrows a packet buffer of its own only while it must keep ciphertext across turns (half a record read, or a record
 * the socket did not take, or the handshake's records in flight) and gives it back as soon as it empties. An idle
 * connection so holds no packet buffer (what OpenSSL's {@code SSL_MODE_RELEASE_BUFFERS} does).
 *
 * <p>First handshake: the loop only moves bytes. It reads the peer's records into the connection's own buffer and
 * hands a <em>step</em> to {@link TlsConfig#delegatedTasks()}: the step creates the engine (the first time), unwraps,
 * runs the engine's delegated tasks, wraps the answer into the connection's own out buffer, and stops when it needs
 * the peer's bytes, when that buffer is full, or when the handshake is done; its end is handed back with
 * {@code execute}, and the loop writes the answer. So engine creation, key exchange, signatures, the ticket's
 * encryption and the records' crypto all run off the loop, and a handshake flood costs the loop only socket calls.
 * TLS below 1.2 is never enabled; a handshake after the first (renegotiation, TLS 1.2) ends the connection. A TLS 1.3
 * post-handshake message (a key update) is answered on the loop (it is one small record).
 *
 * <p>End of stream: the peer's {@code close_notify} reads as the end of the stream; a TCP FIN without it is marked
 * {@link #truncated()}, and the connection decides whether it cut a frame.
 *
 * @implNote Reactor thread only, except a handshake step and the delegated tasks, which touch the engine and this
 *     connection's own buffers alone while {@code stepRunning} (or {@code tasksRunning}) keeps the loop off them.
 *     What a step writes is seen by the loop through the executor's and the reactor's queues.
 */
final class TlsSession {
    private static final ByteBuffer[] NOTHING = {ByteBuffer.allocate(0)};
    /** Records wrapped per {@link #write} call at most (each one socket write). */
    private static final int RECORDS_PER_WRITE = 4;
    /** Where a step's unwraps may put plaintext (none comes within a first handshake): one per task thread. */
    private static final ThreadLocal<ByteBuffer> STEP_PLAINTEXT = new ThreadLocal<>();

    /** Why a handshake step stopped. */
    private enum StepEnd {
        /** No step yet: a client starts with its hello. */
        NOT_STARTED,
        /** The engine needs the peer's bytes. */
        INPUT,
        /** The connection's out buffer is full: write it, then step on. */
        OUTPUT,
        /** The handshake is done (its last records may wait in the out buffer). */
        DONE,
        /** The handshake failed ({@link #stepFailure}); an alert may wait in the out buffer. */
        FAILED
    }

    private final TcpConnection connection;
    private final TlsShared shared;
    private final SocketChannel channel;
    private final Reactor reactor;
    private final InetSocketAddress peer;
    /** Created by the first handshake step, off the loop. */
    private SSLEngine engine;
    /** The end of the delegated tasks, handed to the loop; made once per connection. */
    private final Runnable tasksDone = this::tasksDone;
    private final Runnable step = this::step;
    private final Runnable stepDone = this::stepDone;

    /** Ciphertext read and not yet unwrapped (read mode), or null. */
    private ByteBuffer netIn;
    /** Ciphertext wrapped and not yet written (read mode), or null. */
    private ByteBuffer netOut;
    private boolean handshaking = true;
    private boolean handshakeDoneOnce;
    /** A first-handshake step runs off the loop: the engine, {@code netIn} and {@code netOut} are its. */
    private boolean stepRunning;
    /** Written by a step, read by the loop after it. */
    private StepEnd stepEnd;
    private Exception stepFailure;
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
        this.peer = peer;
        this.stepEnd = shared.config.isClient() ? StepEnd.NOT_STARTED : StepEnd.INPUT; // a server waits for a hello
    }

    boolean handshaking() {
        return handshaking;
    }

    /** A handshake step runs off the loop: the socket is of no use to this connection until it ends. */
    boolean stepRunning() {
        return stepRunning;
    }

    /** Ciphertext is waiting for the socket. */
    boolean hasPendingOutput() {
        return netOut != null && !stepRunning;
    }

    /**
     * More plaintext may come without the socket becoming ready: a whole record is held (left when the read buffer
     * filled up), or the last socket read filled its buffer. Half a record held is not more: the socket's readiness
     * brings the rest.
     */
    boolean hasMore() {
        return !stepRunning && (socketMayHoldMore || holdsWholeRecord());
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
        return socketEnded && (engine == null || !engine.isInboundDone());
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
        int start = dst.position();
        if (handshaking) {
            boolean done = handshakeDoneOnce ? handshakeOnLoop(dst) : advanceHandshake();
            if (!done) {
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
            handshakeOnLoop(dst); // answer a key update now if the socket takes it; what was read is handed on below
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

    /** On the loop. The one-buffer array is the group's: {@code SSLEngine.unwrap(src, dst)} would make one per call. */
    private SSLEngineResult unwrap(ByteBuffer in, ByteBuffer dst) throws TlsFailure {
        ByteBuffer[] dsts = shared.oneBuffer(dst);
        try {
            return engine.unwrap(in, dsts, 0, 1);
        } catch (SSLException e) {
            throw failure(e);
        } finally {
            dsts[0] = null;
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

    // ---- the first handshake: the loop moves bytes, steps on the task pool compute ----

    /**
     * The first handshake, loop side: writes what the last step wrapped, reads what the peer sent, and starts the
     * next step. True once the handshake is done (its last records may still wait for the socket).
     */
    private boolean advanceHandshake() throws IOException {
        if (stepRunning) {
            return false;
        }
        switch (stepEnd) {
            case DONE -> {
                finished();
                return true;
            }
            case FAILED -> throw stepFailed();
            case OUTPUT -> {
                if (flushOutput()) {
                    startStep();
                }
                return false;
            }
            case INPUT -> {
                flushOutput(); // the peer answers what it has; OP_WRITE brings the rest
                if (netIn == null) {
                    netIn = shared.take().flip();
                }
                int n = readSocket(netIn);
                if (n < 0) {
                    String why = "the peer closed the connection during the handshake";
                    shared.handshakeFailed(connection.peer(), why);
                    throw new TlsFailure(CloseReason.TLS_HANDSHAKE_FAILED, why, null);
                }
                if (n > 0) {
                    startStep();
                } else if (!netIn.hasRemaining()) {
                    shared.give(netIn);
                    netIn = null;
                }
                return false;
            }
            default -> { // NOT_STARTED: a client wraps its hello
                startStep();
                return false;
            }
        }
    }

    private void startStep() {
        if (netOut == null) {
            netOut = shared.take().flip();
        }
        stepRunning = true;
        try {
            TlsConfig.delegatedTasks().execute(step);
        } catch (RejectedExecutionException e) {
            stepRunning = false;
            throw e;
        }
    }

    /** On a task thread: as much of the handshake as goes without the socket, then back to the loop. */
    private void step() {
        try {
            if (engine == null) {
                engine = shared.config.newEngine(peer);
                engine.beginHandshake();
            }
            netOut.compact();
            try {
                stepEnd = stepOn();
            } finally {
                netOut.flip();
            }
        } catch (SSLException | RuntimeException e) {
            stepFailure = e;
            stepEnd = StepEnd.FAILED;
            wrapAlert();
        }
        try {
            reactor.execute(stepDone);
        } catch (RejectedExecutionException e) {
            // the reactor closed meanwhile, and the connection with it
        }
    }

    /** On a task thread: unwraps, runs tasks and wraps (into {@code netOut}, write mode) while the engine can. */
    private StepEnd stepOn() throws SSLException {
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                case NEED_WRAP -> {
                    SSLEngineResult r = engine.wrap(NOTHING, netOut);
                    if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                        if (netOut.position() == 0) {
                            throw new SSLException("a handshake record larger than the packet buffer");
                        }
                        return StepEnd.OUTPUT;
                    }
                    if (r.getStatus() == Status.CLOSED) {
                        throw new SSLException("the engine closed during the handshake");
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (netIn == null || !netIn.hasRemaining()) {
                        return StepEnd.INPUT;
                    }
                    SSLEngineResult r = engine.unwrap(netIn, stepPlaintext());
                    if (r.bytesProduced() > 0) {
                        throw new SSLProtocolException("application data within the first handshake");
                    }
                    if (r.getStatus() == Status.BUFFER_UNDERFLOW) {
                        return StepEnd.INPUT;
                    }
                    if (r.getStatus() == Status.CLOSED || engine.isInboundDone()) {
                        throw new SSLException("the peer closed the connection during the handshake");
                    }
                }
                default -> {
                    return StepEnd.DONE; // NOT_HANDSHAKING
                }
            }
        }
    }

    private ByteBuffer stepPlaintext() {
        ByteBuffer b = STEP_PLAINTEXT.get();
        int size = engine.getSession().getApplicationBufferSize();
        if (b == null || b.capacity() < size) {
            b = ByteBuffer.allocate(size);
            STEP_PLAINTEXT.set(b);
        }
        return b.clear();
    }

    /** On a task thread, after an engine error: wraps the alert it prepared, so the loop can tell the peer why. */
    private void wrapAlert() {
        if (engine == null || engine.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
            return;
        }
        try {
            netOut.compact();
            engine.wrap(NOTHING, netOut);
        } catch (SSLException | RuntimeException e) {
            // nothing to say to this peer then
        } finally {
            netOut.flip();
        }
    }

    /** Back on the loop after a step. */
    private void stepDone() {
        stepRunning = false;
        if (connection.isClosed()) {
            release(); // the handshake timed out (or the server closed) while the step ran
            return;
        }
        if (engine != null) {
            shared.sizes(engine.getSession().getPacketBufferSize(), engine.getSession().getApplicationBufferSize());
        }
        if (netIn != null && !netIn.hasRemaining()) {
            shared.give(netIn);
            netIn = null;
        }
        connection.tlsResume();
    }

    private TlsFailure stepFailed() {
        Exception e = stepFailure;
        String why = e.getMessage() != null ? e.getMessage() : e.toString();
        try {
            if (netOut != null) {
                channel.write(netOut); // the alert, if the socket takes it now
            }
        } catch (IOException ignored) {
            // the connection closes anyway
        }
        shared.handshakeFailed(connection.peer(), why);
        return new TlsFailure(CloseReason.TLS_HANDSHAKE_FAILED, why, e);
    }

    // ---- post-handshake messages (a TLS 1.3 key update): small, answered on the loop ----

    /**
     * A post-handshake exchange as far as it goes now; returns whether it is done. Stops when it needs the peer's
     * bytes (the socket is drained), the socket is full ({@link #hasPendingOutput}), or tasks run off the loop.
     */
    private boolean handshakeOnLoop(ByteBuffer dst) throws IOException {
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
                            if (n <= 0) {
                                return false;
                            }
                        } else if (engine.isInboundDone()) {
                            return false; // close_notify; read reports the end
                        }
                    }
                    default -> { // NOT_HANDSHAKING: done
                        handshaking = false;
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
        if (netIn != null && !netIn.hasRemaining()) {
            shared.give(netIn);
            netIn = null;
        }
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
                    throw new TlsFailure(CloseReason.TLS_PROTOCOL_ERROR, "the engine closed during a key update",
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
            TlsConfig.delegatedTasks().execute(this::runTasks);
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

    // ---- application data ----

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
            // One record's plaintext copied into one buffer first: the engine walks its whole source array on every
            // wrap, and a fan-out batch is hundreds of short lines (as Netty's SslHandler, which coalesces too).
            ByteBuffer[] plain = shared.oneBuffer(shared.gatherPlaintext(srcs, offset, length));
            ByteBuffer out = shared.scratchOut();
            SSLEngineResult r;
            try {
                r = engine.wrap(plain, 0, 1, out);
            } catch (SSLException e) {
                throw failure(e);
            } finally {
                plain[0] = null;
            }
            TlsShared.skip(srcs, offset, length, r.bytesConsumed());
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

    /**
     * Writes the kept ciphertext; true once none is left. True while a handshake step runs too: its output is not
     * ready, and the step's end comes back to the loop by itself.
     */
    boolean flushOutput() throws IOException {
        if (netOut == null || stepRunning) {
            return true;
        }
        if (netOut.hasRemaining()) {
            channel.write(netOut);
            if (netOut.hasRemaining()) {
                return false;
            }
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
        if (closeNotifyWrapped || handshaking || tasksRunning || stepRunning) {
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

    /** After an engine error on the loop: the alert it prepared goes out if the socket takes it now. */
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

    /** The connection closed: buffers go back (to be dropped with it); a running step keeps its own until it ends. */
    void release() {
        if (stepRunning) {
            return; // stepDone releases them
        }
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
        return new TlsFailure(CloseReason.TLS_PROTOCOL_ERROR, e.getMessage(), e);
    }
}
