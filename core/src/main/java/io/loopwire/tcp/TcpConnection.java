package io.loopwire.tcp;

import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.loop.EndOfTurn;
import io.loopwire.loop.InputWaiter;
import io.loopwire.loop.IoHandler;
import io.loopwire.loop.Loop;
import io.loopwire.wire.PeerName;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted TCP connection: framed reads from the loop-shared buffer, and an outbound queue flushed once per loop
 * turn with a gathering write. Its inbound side (reads, carried bytes, frames) is an {@code Inbound}, its outbound
 * side (queue, flushes, limit, writability) an {@code Outbound}; this class holds the public API, the closing
 * {@code Phase}s and the loop's callbacks.
 *
 * <p>Fair share: per loop turn a connection hands at most {@code maxFramesPerTurn} frames to its handler and reads at
 * most {@code maxReadsPerTurn} times; input already read beyond that waits in its carry buffer and the connection is
 * revisited next turn, while unread input waits in the kernel (whose TCP window then slows the sender). One sender's
 * burst so costs the others at most one share per turn.
 *
 * <p>Memory follows what the connection holds: the carry buffer (an unfinished frame, or input left for the next turn)
 * is taken from the group when needed and goes back as soon as it empties, so an idle connection holds no buffer.
 * Messages given to {@link #send} are queued by reference, not copied: one encoded message can be sent to many
 * connections.
 *
 * <p>Outbound limit: judged on what the socket could not take. A connection whose last flush left nothing behind
 * takes whatever a turn queues for it (up to 8 times the limit, a bound on memory when many senders burst at once),
 * and is judged after that turn's flush; one already behind is judged at each message.
 *
 * <p>Closing: {@link #close} is immediate; {@link #closeAfter} (and a peer's end of stream, an idle timeout, the
 * reactor's shutdown) walks the {@code Phase}s: flush, shut the output down, wait for the peer's end of stream, close.
 *
 * <p>TLS (a server or client built with {@code tls(config)}): the handler sees plaintext frames exactly as without
 * it, and is told of the connection ({@link TcpHandler#onConnected}) only once the handshake is done; a connection
 * whose handshake fails or times out is closed without any callback. Every limit counts plaintext: the frame limit,
 * the per-turn share of frames, the carry budget and the outbound limit (what {@link #queuedBytes} reports). Beyond
 * them a connection holds at most one TLS record of ciphertext each way (about 16 KiB), and only while the peer is
 * in the middle of a record or the socket did not take a whole one. A graceful close sends {@code close_notify}
 * before shutting the output down; {@link #close} sends it if the socket takes it at once.
 *
 * @implNote All methods must be called on the reactor thread.
 */
public final class TcpConnection {
    private static final Logger log = LoggerFactory.getLogger(TcpConnection.class);

    /**
     * Where the connection is between open and closed. A graceful close goes {@code OPEN -> FLUSHING -> OUTPUT_SHUT ->
     * CLOSED} (our side first) or {@code -> PEER_CLOSED -> CLOSED} (the peer ended its stream first); {@link #close}
     * jumps to {@code CLOSED} from anywhere.
     */
    private enum Phase {
        /** Takes messages and hands on frames. */
        OPEN,
        /** Closing: no more frames; writing what is queued, then the output is shut. */
        FLUSHING,
        /** Our output is shut; reading and discarding until the peer ends its stream too. */
        OUTPUT_SHUT,
        /** The peer ended its stream; writing what is queued, then closing. */
        PEER_CLOSED,
        CLOSED;

        boolean closing() {
            return this == FLUSHING || this == OUTPUT_SHUT || this == PEER_CLOSED;
        }
    }

    private final ConnectionGroup group;
    private final Reactor reactor;
    private final Loop loop;
    /** The loop's callbacks, kept off the public type. */
    private final Io io = new Io();
    private final SocketChannel channel;
    private final TcpHandler handler;
    private final InetSocketAddress remote;
    private final String peer;
    private SelectionKey key;
    private int interestOps;

    private Phase phase = Phase.OPEN;
    /** Why a graceful close began (reported when it ends). */
    private CloseReason closeReason;
    /**
     * A hard close due at the end of this turn (the outbound limit was hit while the handler iterated over members),
     * or null. An order, not a phase: it stands whatever the phase meanwhile.
     */
    private CloseReason closeAtEndOfTurn;
    private Timeout closeTimer;

    private final Inbound inbound;
    private final Outbound outbound;
    private boolean flushScheduled;
    /** Read interest is off because the loop's input is held; the loop tells {@link #io} when to read again. */
    private boolean readParked;

    /** The TLS engine's adapter, or null for a plaintext connection. */
    private final TlsSession tls;
    private Timeout handshakeTimer;
    /** Read interest is off while a TLS handshake step runs off the loop; {@link #tlsResume} turns it back on. */
    private boolean readOffForStep;
    /** The handler was told of this connection: at once in plaintext, after the handshake with TLS. */
    private boolean announced;
    /** A client's connect result, completed once the connection is announced (failed if it closes before). */
    private CompletableFuture<TcpConnection> connectResult;

    /** The group's list of connections runs through them; only {@link #linkBefore} and {@link #unlink} write it. */
    private TcpConnection prev;
    private TcpConnection next;
    private Object attachment;

    /** {@code tlsPeer}: the name a TLS client checks the server's certificate against (null: {@code remote}). */
    TcpConnection(ConnectionGroup group, SocketChannel channel, InetSocketAddress remote, InetSocketAddress tlsPeer) {
        this.group = group;
        this.reactor = group.reactor;
        this.loop = group.loop;
        this.channel = channel;
        this.handler = group.handler;
        this.remote = remote;
        this.peer = PeerName.of(remote);
        this.tls = group.tls == null ? null
                : new TlsSession(this, group.tls, channel, reactor, tlsPeer != null ? tlsPeer : remote);
        this.outbound = new Outbound(this, group, channel, tls);
        this.inbound = new Inbound(this, group, channel, tls);
    }

    /**
     * Starts serving: a plaintext connection is announced at once; a TLS one starts its handshake (under the handshake
     * timeout) and is announced when it is done. {@code result} (a client's, or null) completes at the announcement.
     */
    void start(CompletableFuture<TcpConnection> result) {
        this.connectResult = result;
        if (tls == null) {
            announce();
            return;
        }
        handshakeTimer = reactor.schedule(group.tls.config.handshakeTimeout(), this::handshakeTimedOut);
        driveTls(); // a client wraps its hello now (off the loop); a server reads the peer's
    }

    private void announce() {
        announced = true;
        try {
            handler.onConnected(this);
        } catch (RuntimeException e) {
            fail(e);
        }
        if (connectResult != null) {
            connectResult.complete(this);
        }
    }

    /** Whether the handler was told of this connection (and so will be told of its close). */
    boolean announced() {
        return announced;
    }

    /** Closed for good (not merely closing). */
    boolean isClosed() {
        return phase == Phase.CLOSED;
    }

    /** The TLS handshake finished (called from within the read that finished it). */
    void tlsHandshakeDone() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel();
            handshakeTimer = null;
        }
        group.stats.tlsHandshakes++;
        if (phase == Phase.OPEN) {
            announce();
        }
        if (!outbound.isEmpty()) {
            scheduleFlush();
        }
    }

    /** A handshake step or the handshake's delegated tasks are done (back on the loop): carry on with it. */
    void tlsResume() {
        if (phase == Phase.CLOSED) {
            return;
        }
        if (readOffForStep) {
            readOffForStep = false;
            setInterest(interestOps | SelectionKey.OP_READ);
        }
        driveTls();
    }

    /** A handshake step: the pending records go out first, then whatever the peer has sent is read. */
    private void driveTls() {
        try {
            if (!tls.flushOutput()) {
                setInterest(interestOps | SelectionKey.OP_WRITE);
                return;
            }
        } catch (IOException e) {
            close(CloseReason.RESET);
            return;
        }
        if (outbound.isEmpty()) {
            setInterest(interestOps & ~SelectionKey.OP_WRITE);
        }
        inbound.read();
        if (phase == Phase.CLOSED) {
            return;
        }
        if (tls.stepRunning()) {
            // The step owns the engine and buffers: readiness is of no use until it ends (and would spin the loop).
            readOffForStep = (interestOps & SelectionKey.OP_READ) != 0 || readOffForStep;
            setInterest(interestOps & ~(SelectionKey.OP_READ | SelectionKey.OP_WRITE));
        } else if (tls.hasPendingOutput()) {
            setInterest(interestOps | SelectionKey.OP_WRITE);
        }
    }

    private void handshakeTimedOut() {
        handshakeTimer = null;
        if (phase != Phase.CLOSED && !announced) {
            group.tls.handshakeFailed(peer, "no handshake within " + group.tls.config.handshakeTimeout());
            close(CloseReason.TLS_HANDSHAKE_TIMEOUT);
        }
    }

    /** The negotiated TLS version ({@code TLSv1.3}, {@code TLSv1.2}), or null for a plaintext connection. */
    public String tlsProtocol() {
        return tls == null || tls.handshaking() ? null : tls.protocol();
    }

    void registered(SelectionKey key) {
        this.key = key;
        this.interestOps = key.interestOps();
    }

    /** The peer's address. */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** The peer as {@code ip:port}, computed once. */
    public String peer() {
        return peer;
    }

    /** Whether the connection still takes messages (not closing, not closed). */
    public boolean isOpen() {
        return phase == Phase.OPEN;
    }

    /** Bytes queued for the peer and not yet written (with per-message bookkeeping). */
    public long queuedBytes() {
        return outbound.bytes();
    }

    /** False while the outbound queue is above its high-water mark. */
    public boolean isWritable() {
        return outbound.isWritable();
    }

    /** Application state for this connection (a chat member, say). */
    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    /** What {@link #attach} stored, or null. */
    public Object attachment() {
        return attachment;
    }

    /**
     * Queues {@code message}'s remaining bytes for the peer; they are written at the end of this loop turn.
     *
     * <p>The buffer is queued by reference: do not change its content until it has been written. Its position and
     * limit are used by loopwire from now on (it reads the range captured here), so the same buffer may be passed to
     * many connections.
     *
     * @return {@code false} if the message was not queued: the connection is closing, or the outbound limit was hit
     */
    public boolean send(ByteBuffer message) {
        return send(message, false);
    }

    /**
     * As {@link #send}, for a buffer whose content stays valid only until the end of the current loop turn: what the
     * socket has not taken by then is copied. A producer can then reuse one scratch buffer every turn, and the
     * common case (the socket takes everything) allocates nothing; only a peer that falls behind costs a copy.
     */
    public boolean sendTransient(ByteBuffer message) {
        return send(message, true);
    }

    private boolean send(ByteBuffer message, boolean transientBytes) {
        assert reactor.inLoop() : "send off the loop thread";
        if (phase != Phase.OPEN || closeAtEndOfTurn != null) {
            return false;
        }
        int length = message.remaining();
        if (length == 0) {
            return true;
        }
        if (!outbound.fits(length)) {
            return overflow();
        }
        outbound.add(message, transientBytes, (interestOps & SelectionKey.OP_WRITE) != 0);
        scheduleFlush();
        return true;
    }

    private boolean overflow() {
        if (group.overflowPolicy == OverflowPolicy.DROP) {
            group.stats.messagesDropped++;
            return false;
        }
        outbound.tellLimitHit();
        if (phase == Phase.OPEN) {
            // Deferred: the caller is usually iterating over members; closing now would change that set under it.
            closeAtEndOfTurn = CloseReason.OUTBOUND_LIMIT;
            scheduleFlush();
        }
        return false;
    }

    /** Closes now: queued messages are discarded. {@link TcpHandler#onClosed} runs before this returns. */
    public void close() {
        close(CloseReason.LOCAL);
    }

    /** Closes now with the given reason; queued messages are discarded. */
    public void close(CloseReason reason) {
        assert reactor.inLoop() : "close off the loop thread";
        if (phase == Phase.CLOSED) {
            return;
        }
        if (tls != null && announced && reason != CloseReason.RESET
                && reason.ordinal() < CloseReason.TLS_HANDSHAKE_FAILED.ordinal()) {
            try {
                tls.sendCloseNotify(); // best effort: whatever the socket takes now
            } catch (IOException e) {
                log.debug("close_notify to {} not sent: {}", peer, e.toString());
            }
        }
        phase = Phase.CLOSED;
        if (closeTimer != null) {
            closeTimer.cancel();
        }
        if (handshakeTimer != null) {
            handshakeTimer.cancel();
        }
        if (tls != null) {
            tls.release();
        }
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing {} failed", peer, e);
        }
        outbound.clear();
        inbound.release();
        group.connectionClosed(this, reason);
        if (!announced && connectResult != null) {
            connectResult.completeExceptionally(new SSLHandshakeException("TLS handshake with " + peer + " failed: "
                    + reason.name().toLowerCase(java.util.Locale.ROOT)));
        }
    }

    /**
     * Closes gracefully: queues {@code lastMessage} (if not null, regardless of the outbound limit), flushes, shuts
     * the output down and waits for the peer to close its side, then closes. Input meanwhile is read and discarded,
     * so the peer sees our last message instead of a reset. The whole sequence is bounded by the close
     * timeout.
     */
    public void closeAfter(ByteBuffer lastMessage, CloseReason reason) {
        assert reactor.inLoop() : "closeAfter off the loop thread";
        if (phase != Phase.OPEN) {
            return;
        }
        phase = Phase.FLUSHING;
        closeReason = reason;
        inbound.release(); // no more frames: what is left unread is discarded
        if (lastMessage != null && lastMessage.hasRemaining()) {
            outbound.addLast(lastMessage);
        }
        closeTimer = reactor.schedule(group.closeTimeout, this::closeTimedOut);
        scheduleFlush();
    }

    private void closeTimedOut() {
        if (phase.closing()) {
            log.debug("{} did not finish closing within {}; closing now", peer, group.closeTimeout);
            close(closeReason);
        }
    }

    /** What the loop calls: kept off the public type. Package-private for the group, which registers it. */
    IoHandler ioHandler() {
        return io;
    }

    /** The carry buffer's capacity, what the carry budget counts for this connection. */
    int carriedCapacity() {
        return inbound.capacity();
    }

    /** The peer ended its stream; {@code reason} says how (a TLS truncation, or a plain end). */
    void endOfStream(CloseReason reason) {
        // Stop reading: a half-closed socket stays readable forever and would spin the loop.
        setInterest(interestOps & ~SelectionKey.OP_READ);
        switch (phase) {
            case OPEN -> {
                closeAfter(null, reason);
                phase = Phase.PEER_CLOSED; // flush what is queued, then close: the peer is gone already
            }
            case FLUSHING, OUTPUT_SHUT -> {
                if (outbound.isEmpty()) {
                    close(closeReason);
                } else {
                    phase = Phase.PEER_CLOSED;
                }
            }
            default -> {
                // PEER_CLOSED: its flush closes; CLOSED: nothing left to do
            }
        }
    }

    private void scheduleFlush() {
        if (flushScheduled) {
            return;
        }
        // While waiting for OP_WRITE the socket is full and the write-ready event flushes; a due close still runs.
        if ((interestOps & SelectionKey.OP_WRITE) != 0 && closeAtEndOfTurn == null) {
            return;
        }
        flushScheduled = true;
        loop.runAtEndOfTurn(io);
    }

    /** Writes what the socket takes; once the queue is empty, a closing connection moves on to its next phase. */
    private void flush() {
        if (phase == Phase.CLOSED || (tls != null && tls.handshaking())) {
            return; // a TLS connection flushes once its handshake is done
        }
        boolean drained;
        try {
            drained = outbound.flush();
        } catch (IOException e) {
            log.debug("write to {} failed: {}", peer, e.toString());
            close(CloseReason.RESET);
            return;
        }
        if (!drained) {
            setInterest(interestOps | SelectionKey.OP_WRITE);
            return;
        }
        setInterest(interestOps & ~SelectionKey.OP_WRITE);
        outbound.drained();
        if (phase == Phase.PEER_CLOSED) {
            close(closeReason);
        } else if (phase == Phase.FLUSHING) {
            if (tls != null && !sendCloseNotify()) {
                return;
            }
            phase = Phase.OUTPUT_SHUT;
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                close(closeReason);
            }
        }
    }

    /**
     * The loop holds its input (what it would hand on has nowhere to go yet): stop reading, so the peer's bytes wait in
     * the kernel and TCP's window slows the peer, until the loop says the hold is over. Carried frames wait too.
     */
    void parkReading() {
        setInterest(interestOps & ~SelectionKey.OP_READ);
        if (!readParked) {
            readParked = true;
            loop.parkUntilInputReleased(io);
        }
    }

    /** Whether the loop holds input now (a connection with frames in hand parks instead of handing them on). */
    boolean inputHeld() {
        return phase == Phase.OPEN && loop.inputHeld();
    }

    /** A graceful TLS close says {@code close_notify} before the output is shut; false while it waits for room. */
    private boolean sendCloseNotify() {
        try {
            if (tls.sendCloseNotify()) {
                return true;
            }
            setInterest(interestOps | SelectionKey.OP_WRITE);
            return false;
        } catch (IOException e) {
            close(closeReason);
            return false;
        }
    }

    private void setInterest(int ops) {
        if (ops != interestOps && key != null && key.isValid()) {
            interestOps = ops;
            key.interestOps(ops);
        }
    }

    /** When this connection last read bytes ({@link System#nanoTime}); kept up only with an idle timeout. */
    long lastReadNanos() {
        return inbound.lastReadNanos();
    }

    /** Puts this connection at the head of its group's list, in front of {@code head} (null: the list was empty). */
    void linkBefore(TcpConnection head) {
        next = head;
        if (head != null) {
            head.prev = this;
        }
    }

    /** Takes this connection out of its group's list; returns its successor (the new head, if this was the head). */
    TcpConnection unlink() {
        TcpConnection after = next;
        if (prev != null) {
            prev.next = next;
        }
        if (next != null) {
            next.prev = prev;
        }
        prev = null;
        next = null;
        return after;
    }

    /** The next connection in the group's list, or null. */
    TcpConnection nextInGroup() {
        return next;
    }

    /** Gives back queue storage borrowed for a burst that is over (called periodically by the group). */
    void trimQueue() {
        outbound.trim();
    }

    /** A callback threw: close, logging the cause once. */
    void fail(Throwable cause) {
        log.warn("closing {} after a handler error", peer, cause);
        close(CloseReason.HANDLER_ERROR);
    }

    @Override
    public String toString() {
        return "TcpConnection[" + peer + ", " + phase + ", queued=" + outbound.bytes() + ']';
    }

    /** Every callback of the loop, in one private class so none shows on the public type. */
    private final class Io implements IoHandler, EndOfTurn, InputWaiter {
        @Override
        public void onReady(SelectionKey key) {
            if (tls != null && tls.handshaking()) {
                driveTls();
                return;
            }
            int ready = key.readyOps();
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                flush();
            }
            if ((ready & SelectionKey.OP_READ) != 0 && phase != Phase.CLOSED) {
                if (phase == Phase.OPEN && loop.inputHeld()) {
                    parkReading();
                } else {
                    inbound.read();
                    if (tls != null && phase != Phase.CLOSED && tls.hasPendingOutput()) {
                        setInterest(interestOps | SelectionKey.OP_WRITE); // an answer to a TLS 1.3 key update
                    }
                }
            }
        }

        /** The loop's input hold is over: read again (what was carried, then the socket). */
        @Override
        public void onInputReleased() {
            readParked = false;
            if (phase == Phase.CLOSED || phase == Phase.PEER_CLOSED) {
                return;
            }
            setInterest(interestOps | SelectionKey.OP_READ);
            inbound.revisitSoon();
        }

        /** The turn's flush (or a close that was due), then the outbound limit, judged on what the socket left. */
        @Override
        public void onEndOfTurn() {
            flushScheduled = false;
            if (phase == Phase.CLOSED) {
                return;
            }
            if (closeAtEndOfTurn != null) {
                close(closeAtEndOfTurn);
                return;
            }
            flush();
            // DROP keeps a connection over the limit: every message for it is dropped until it catches up.
            if (phase == Phase.OPEN && outbound.overLimitAfterFlush() && group.overflowPolicy != OverflowPolicy.DROP) {
                outbound.tellLimitHit();
                if (phase == Phase.OPEN) {
                    close(CloseReason.OUTBOUND_LIMIT);
                }
            }
        }

        @Override
        public void fail(Throwable cause) {
            TcpConnection.this.fail(cause);
        }

        /**
         * The reactor is closing: the same sequence as {@link #closeAfter} (no more frames; flush; shut the output
         * down; read and discard until the peer closes), so that input the peer sent meanwhile cannot turn our close
         * into a reset that would discard what the kernel still holds for it.
         */
        @Override
        public boolean drainForShutdown() {
            if (phase == Phase.OPEN) {
                closeAfter(null, CloseReason.SHUTDOWN);
            }
            if (phase == Phase.OUTPUT_SHUT && outbound.isEmpty() && !inbound.discardPending()) {
                close(closeReason); // nothing unread: closing now sends no reset, no need to wait for the peer
            }
            return phase == Phase.CLOSED;
        }

        @Override
        public void closeForShutdown() {
            close(CloseReason.SHUTDOWN);
        }
    }
}
