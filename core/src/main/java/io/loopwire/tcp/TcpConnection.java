package io.loopwire.tcp;

import io.loopwire.EndOfTurn;
import io.loopwire.IoHandler;
import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.codec.FrameSink;
import io.loopwire.codec.FrameTooLongException;
import io.loopwire.codec.Framer;
import io.loopwire.wire.PeerName;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted TCP connection: framed reads from the loop-shared buffer, and an outbound queue flushed once per loop
 * turn with a gathering write.
 *
 * <p>Only the bytes of an unfinished frame are kept between reads, so an idle connection holds no buffer. Messages
 * given to {@link #send} are queued by reference, not copied: one encoded message can be sent to many connections.
 *
 * @implNote All methods must be called on the reactor thread.
 */
public final class TcpConnection implements IoHandler, FrameSink, EndOfTurn {
    private static final Logger log = LoggerFactory.getLogger(TcpConnection.class);

    /** Reads per wake-up at most, so one busy peer cannot starve the others. */
    static final int MAX_READS_PER_WAKEUP = 16;
    /** Gathering writes per flush at most; the rest waits for {@code OP_WRITE}. */
    private static final int MAX_WRITES_PER_FLUSH = 16;

    private enum State { OPEN, CLOSING, CLOSED }

    private final ConnectionGroup group;
    private final Reactor reactor;
    private final SocketChannel channel;
    private final TcpHandler handler;
    private final Framer framer;
    private final InetSocketAddress remote;
    private final String peer;
    private SelectionKey key;
    private int interestOps;

    private State state = State.OPEN;
    private CloseReason closeReason;
    private CloseReason closeAtEndOfTurn;
    private boolean peerClosed;
    private boolean outputShut;
    private Timeout closeTimer;

    /** Unfinished frame bytes; null while there are none. */
    private ByteBuffer carry;

    private final OutboundQueue queue;
    private boolean flushScheduled;
    private boolean writable = true;

    long lastReadNanos;
    TcpConnection prev;
    TcpConnection next;
    private Object attachment;

    TcpConnection(ConnectionGroup group, SocketChannel channel, InetSocketAddress remote) {
        this.group = group;
        this.reactor = group.reactor;
        this.channel = channel;
        this.handler = group.handler;
        this.framer = group.framer;
        this.queue = new OutboundQueue(group.slotPool);
        this.remote = remote;
        this.peer = PeerName.of(remote);
        this.lastReadNanos = System.nanoTime();
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
        return state == State.OPEN;
    }

    /** Bytes queued for the peer and not yet written (with per-message bookkeeping). */
    public long queuedBytes() {
        return queue.bytes();
    }

    /** False while the outbound queue is above its high-water mark. */
    public boolean isWritable() {
        return writable;
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
        if (state != State.OPEN || closeAtEndOfTurn != null) {
            return false;
        }
        int length = message.remaining();
        if (length == 0) {
            return true;
        }
        if (queue.bytes() + length + OutboundQueue.ENTRY_OVERHEAD_BYTES > group.maxOutboundBytes) {
            return overflow();
        }
        if (transientBytes && (interestOps & SelectionKey.OP_WRITE) != 0) {
            // The socket is full: nothing will be written this turn, so keep a copy now.
            message = OutboundQueue.copyOf(message, message.position(), message.limit());
            transientBytes = false;
        }
        queue.add(message, transientBytes);
        group.stats.messagesOut++;
        if (writable && queue.bytes() > group.highWaterBytes) {
            writable = false;
            notifyWritability(false);
        }
        scheduleFlush();
        return true;
    }

    private boolean overflow() {
        if (group.overflowPolicy == OverflowPolicy.DROP) {
            group.stats.messagesDropped++;
            return false;
        }
        try {
            handler.onOutboundLimit(this);
        } catch (RuntimeException e) {
            log.warn("onOutboundLimit failed for {}", peer, e);
        }
        if (state == State.OPEN) {
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
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (closeTimer != null) {
            closeTimer.cancel();
        }
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing {} failed", peer, e);
        }
        queue.clear();
        carry = null;
        group.connectionClosed(this, reason);
    }

    /**
     * Closes gracefully: queues {@code lastMessage} (if not null, regardless of the outbound limit), flushes, shuts
     * the output down and waits for the peer to close its side, then closes. Input meanwhile is read and discarded,
     * so the peer sees our last message instead of a reset. The whole sequence is bounded by the close
     * timeout.
     */
    public void closeAfter(ByteBuffer lastMessage, CloseReason reason) {
        assert reactor.inLoop() : "closeAfter off the loop thread";
        if (state != State.OPEN) {
            return;
        }
        state = State.CLOSING;
        closeReason = reason;
        if (lastMessage != null && lastMessage.hasRemaining()) {
            queue.add(lastMessage, false);
        }
        closeTimer = reactor.schedule(group.closeTimeout, this::closeTimedOut);
        scheduleFlush();
    }

    private void closeTimedOut() {
        if (state == State.CLOSING) {
            log.debug("{} did not finish closing within {}; closing now", peer, group.closeTimeout);
            close(closeReason);
        }
    }

    @Override
    public void onReady(SelectionKey key) throws IOException {
        int ready = key.readyOps();
        if ((ready & SelectionKey.OP_WRITE) != 0) {
            flush();
        }
        if ((ready & SelectionKey.OP_READ) != 0 && state != State.CLOSED) {
            read();
        }
    }

    private void read() {
        ByteBuffer buffer = reactor.readBuffer();
        for (int i = 0; i < MAX_READS_PER_WAKEUP; i++) {
            buffer.clear();
            int n;
            try {
                n = channel.read(buffer);
            } catch (IOException e) {
                log.debug("read from {} failed: {}", peer, e.toString());
                close(CloseReason.RESET);
                return;
            }
            if (n < 0) {
                onEndOfStream();
                return;
            }
            if (n == 0) {
                return;
            }
            group.stats.bytesIn += n;
            if (group.idleTimeoutNanos > 0) {
                lastReadNanos = System.nanoTime();
            }
            if (state != State.OPEN) {
                continue; // closing: discard input so the peer gets our last words, not a reset
            }
            buffer.flip();
            try {
                decode(buffer);
            } catch (FrameTooLongException e) {
                handler.onFrameTooLong(this, e);
                if (state == State.OPEN) {
                    close(CloseReason.FRAME_TOO_LONG);
                }
                return;
            }
            if (state != State.OPEN || n < buffer.capacity()) {
                return; // a short read means the socket is drained; skip the read that would return 0
            }
        }
    }

    /** Feeds the read bytes to the framer; only an unfinished frame's bytes are copied into {@link #carry}. */
    private void decode(ByteBuffer input) throws FrameTooLongException {
        while (input.hasRemaining() && state == State.OPEN) {
            if (carry == null || carry.position() == 0) {
                framer.decode(input, this);
                if (input.hasRemaining() && state == State.OPEN) {
                    stash(input);
                }
                return;
            }
            int known = carry.position();
            int take = Math.min(input.remaining(), carry.remaining());
            int inputLimit = input.limit();
            input.limit(input.position() + take);
            carry.put(input);
            input.limit(inputLimit);
            carry.flip();
            framer.decode(carry, known, this);
            if (state == State.CLOSED) {
                return; // the handler closed the connection during a frame, and close() released the carry buffer
            }
            carry.compact();
            if (!carry.hasRemaining()) {
                throw new FrameTooLongException("frame", framer.maxFrameBytes());
            }
        }
    }

    private void stash(ByteBuffer input) throws FrameTooLongException {
        if (carry == null) {
            carry = ByteBuffer.allocate(framer.maxFrameBytes() + framer.maxOverheadBytes());
        }
        if (input.remaining() > carry.remaining()) {
            throw new FrameTooLongException("frame", framer.maxFrameBytes());
        }
        carry.put(input);
    }

    @Override
    public void onFrame(ByteBuffer frame) {
        if (state == State.OPEN) {
            group.stats.framesIn++;
            handler.onFrame(this, frame);
        }
    }

    private void onEndOfStream() {
        peerClosed = true;
        // Stop reading: a half-closed socket stays readable forever and would spin the loop.
        setInterest(interestOps & ~SelectionKey.OP_READ);
        if (carry != null && carry.position() == 0) {
            carry = null;
        }
        if (state == State.OPEN) {
            closeAfter(null, CloseReason.PEER_CLOSED);
        } else if (state == State.CLOSING && queue.isEmpty()) {
            close(closeReason);
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
        reactor.runAtEndOfTurn(this);
    }

    @Override
    public void onEndOfTurn() {
        flushScheduled = false;
        if (state == State.CLOSED) {
            return;
        }
        if (closeAtEndOfTurn != null) {
            close(closeAtEndOfTurn);
            return;
        }
        flush();
    }

    /** Writes as much of the queue as the socket takes, with gathering writes. */
    private void flush() {
        if (state == State.CLOSED) {
            return;
        }
        ByteBuffer[] batch = reactor.gatherScratch();
        for (int attempt = 0; attempt < MAX_WRITES_PER_FLUSH && !queue.isEmpty(); attempt++) {
            int n = queue.gather(batch);
            long batchBytes = 0;
            for (int i = 0; i < n; i++) {
                batchBytes += batch[i].remaining();
            }
            long written;
            try {
                // One buffer: the plain write skips the JDK's iovec set-up.
                written = n == 1 ? channel.write(batch[0]) : channel.write(batch, 0, n);
            } catch (IOException e) {
                log.debug("write to {} failed: {}", peer, e.toString());
                close(CloseReason.RESET);
                return;
            } finally {
                Arrays.fill(batch, 0, n, null);
            }
            group.stats.bytesOut += written;
            queue.consume(written);
            if (written < batchBytes) {
                break; // the socket buffer is full
            }
        }
        if (!queue.isEmpty()) {
            queue.keepTransientBytes();
            setInterest(interestOps | SelectionKey.OP_WRITE);
            return;
        }
        setInterest(interestOps & ~SelectionKey.OP_WRITE);
        drained();
    }

    private void drained() {
        if (!writable) {
            writable = true;
            notifyWritability(true);
        }
        if (state != State.CLOSING) {
            return;
        }
        if (peerClosed) {
            close(closeReason);
        } else if (!outputShut) {
            outputShut = true;
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                close(closeReason);
            }
        }
    }

    private void notifyWritability(boolean nowWritable) {
        try {
            handler.onWritabilityChanged(this, nowWritable);
        } catch (RuntimeException e) {
            log.warn("onWritabilityChanged failed for {}", peer, e);
        }
    }

    private void setInterest(int ops) {
        if (ops != interestOps && key != null && key.isValid()) {
            interestOps = ops;
            key.interestOps(ops);
        }
    }

    /** Gives back queue storage borrowed for a burst that is over (called periodically by the group). */
    void trimQueue() {
        queue.trim();
    }

    @Override
    public void fail(Throwable cause) {
        log.warn("closing {} after a handler error", peer, cause);
        close(CloseReason.HANDLER_ERROR);
    }

    /**
     * The reactor is closing: the same sequence as {@link #closeAfter} (no more frames; flush; shut the output down;
     * read and discard until the peer closes), so that input the peer sent meanwhile cannot turn our close into a
     * reset that would discard what the kernel still holds for it.
     */
    @Override
    public boolean drainForShutdown() {
        if (state == State.OPEN) {
            closeAfter(null, CloseReason.SHUTDOWN);
        }
        if (state == State.CLOSING && outputShut && queue.isEmpty() && !discardPendingInput()) {
            close(closeReason); // nothing unread: closing now sends no reset, no need to wait for the peer
        }
        return state == State.CLOSED;
    }

    /** Reads and drops what the peer has sent; returns whether input is still arriving. */
    private boolean discardPendingInput() {
        ByteBuffer buffer = reactor.readBuffer();
        for (int i = 0; i < MAX_READS_PER_WAKEUP; i++) {
            buffer.clear();
            try {
                int n = channel.read(buffer);
                if (n <= 0) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void closeForShutdown() {
        close(CloseReason.SHUTDOWN);
    }

    @Override
    public String toString() {
        return "TcpConnection[" + peer + ", " + state + ", queued=" + queue.bytes() + ']';
    }
}
