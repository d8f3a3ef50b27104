package io.loopwire.tcp;

import io.loopwire.EndOfTurn;
import io.loopwire.IoHandler;
import io.loopwire.Reactor;
import io.loopwire.Revisit;
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
 * <p>Fair share: per loop turn a connection hands at most {@code maxFramesPerTurn} frames to its handler and reads at
 * most {@code maxReadsPerTurn} times; input already read beyond that waits in its carry buffer and the connection is
 * revisited next turn, while unread input waits in the kernel (whose TCP window then slows the sender). One sender's
 * burst so costs the others at most one share per turn.
 *
 * <p>Memory follows what the connection holds: the carry buffer (an unfinished frame, or input left for the next turn)
 * is taken from the group when needed, grows by doubling, and goes back as soon as it empties, so an idle connection
 * holds no buffer. All carry buffers of a group count against its carry budget. Messages given to {@link #send} are
 * queued by reference, not copied: one encoded message can be sent to many connections.
 *
 * <p>Outbound limit: judged on what the socket could not take. A connection whose last flush left nothing behind
 * takes whatever a turn queues for it (up to {@value #IN_TURN_LIMIT_FACTOR} times the limit, a bound on memory when
 * many senders burst at once), and is judged after that turn's flush; one already behind is judged at each message.
 *
 * @implNote All methods must be called on the reactor thread.
 */
public final class TcpConnection implements IoHandler, FrameSink, EndOfTurn, Revisit {
    private static final Logger log = LoggerFactory.getLogger(TcpConnection.class);

    /** What a connection that keeps up may be given within one turn, as a multiple of the outbound limit. */
    static final int IN_TURN_LIMIT_FACTOR = 8;
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

    /** Input read and not yet handed on (an unfinished frame, or frames beyond the turn's share); null if none. */
    private ByteBuffer carry;
    /** How many leading carry bytes the framer has seen without finding a complete frame. */
    private int carryScanned;
    private boolean revisitScheduled;
    /** The loop turn {@link #framesLeft} belongs to. */
    private long shareTurn = -1;
    private int framesLeft;
    /** The last flush left bytes unwritten: the socket did not keep up. */
    private boolean behind;

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
        long after = queue.bytes() + length + OutboundQueue.ENTRY_OVERHEAD_BYTES;
        if ((behind && after > group.maxOutboundBytes) || after > group.maxOutboundBytes * IN_TURN_LIMIT_FACTOR) {
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
        releaseCarry();
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
        releaseCarry(); // no more frames: what is left unread is discarded
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
            readInput();
        }
    }

    /** Left input for this turn: carry on with it (and with the socket, if the share allows). */
    @Override
    public void onRevisit() {
        revisitScheduled = false;
        if (state == State.OPEN) {
            readInput();
        }
    }

    /** Hands on what the carry holds, then reads, within this turn's share. */
    private void readInput() {
        if (state == State.OPEN && carryHoldsUnscanned()) {
            startShare();
            try {
                decodeCarry();
            } catch (FrameTooLongException e) {
                frameTooLong(e);
                return;
            }
            if (state == State.OPEN && carryHoldsUnscanned()) {
                shareUsed();
                return;
            }
        }
        ByteBuffer buffer = reactor.readBuffer();
        for (int i = 0; i < group.maxReadsPerTurn; i++) {
            if (state == State.OPEN) {
                startShare();
                if (framesLeft <= 0) {
                    group.stats.turnSharesUsed++;
                    return; // what the socket holds keeps it ready: select brings us back next turn
                }
            }
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
                frameTooLong(e);
                return;
            }
            if (state != State.OPEN) {
                return;
            }
            if (carryHoldsUnscanned()) {
                shareUsed();
                return;
            }
            if (n < buffer.capacity()) {
                return; // a short read means the socket is drained; skip the read that would return 0
            }
        }
        group.stats.turnSharesUsed++;
    }

    private void frameTooLong(FrameTooLongException e) {
        handler.onFrameTooLong(this, e);
        if (state == State.OPEN) {
            close(CloseReason.FRAME_TOO_LONG);
        }
    }

    /** A new turn gives a new share of frames. */
    private void startShare() {
        long turn = reactor.stats().turns();
        if (turn != shareTurn) {
            shareTurn = turn;
            framesLeft = group.maxFramesPerTurn;
        }
    }

    /** The share is used with input in hand: come back next turn even if the socket has nothing more. */
    private void shareUsed() {
        group.stats.turnSharesUsed++;
        if (!revisitScheduled) {
            revisitScheduled = true;
            reactor.revisitNextTurn(this);
        }
    }

    private boolean carryHoldsUnscanned() {
        return carry != null && carry.position() > carryScanned;
    }

    /** Offers the carry's bytes to the framer (those left by a used-up share, after any it has already seen). */
    private void decodeCarry() throws FrameTooLongException {
        carry.flip();
        framer.decode(carry, carryScanned, this);
        if (state != State.OPEN) {
            return; // the handler closed the connection during a frame, which released the carry buffer
        }
        afterCarryDecoded();
    }

    private void afterCarryDecoded() throws FrameTooLongException {
        // With share left the framer saw every byte and found no complete frame in what remains.
        carryScanned = framesLeft > 0 ? carry.remaining() : 0;
        carry.compact();
        if (carry.position() == 0) {
            releaseCarry();
        } else if (carryScanned > framer.maxFrameBytes() + framer.maxOverheadBytes()) {
            throw new FrameTooLongException("frame", framer.maxFrameBytes()); // no framer keeps more than this
        }
    }

    /**
     * Feeds one read to the framer. Without carried bytes the framer reads the shared buffer directly and only what
     * it leaves is copied; with an unfinished frame carried, the read goes through the carry chunk by chunk (the
     * carry grows only while one frame does not fit).
     */
    private void decode(ByteBuffer input) throws FrameTooLongException {
        while (input.hasRemaining() && state == State.OPEN) {
            if (carry == null) {
                framer.decode(input, this);
                if (input.hasRemaining() && state == State.OPEN) {
                    stash(input, framesLeft > 0);
                }
                return;
            }
            if (framesLeft <= 0) {
                stash(input, false); // the share is used: keep the rest for the next turn
                return;
            }
            if (!carry.hasRemaining()) {
                if (carry.capacity() >= group.maxCarryBytes) {
                    throw new FrameTooLongException("frame", framer.maxFrameBytes());
                }
                growCarry(carry.capacity() + 1);
                if (state != State.OPEN) {
                    return; // over the carry budget, and this connection held the most
                }
            }
            int take = Math.min(input.remaining(), carry.remaining());
            int inputLimit = input.limit();
            input.limit(input.position() + take);
            carry.put(input);
            input.limit(inputLimit);
            decodeCarry();
        }
    }

    /**
     * Copies what the framer left of {@code input} into the carry. {@code scanned}: the framer saw all of it (an
     * unfinished frame), rather than stopping at the share.
     */
    private void stash(ByteBuffer input, boolean scanned) throws FrameTooLongException {
        int length = input.remaining();
        if (scanned && carry == null && length > framer.maxFrameBytes() + framer.maxOverheadBytes()) {
            throw new FrameTooLongException("frame", framer.maxFrameBytes());
        }
        if (carry == null) {
            carry = group.carryBuffers.take(length, group.maxCarryBytes);
            carryScanned = 0;
            group.enforceCarryBudget();
        } else if (carry.remaining() < length) {
            growCarry(carry.position() + length);
        }
        if (state != State.OPEN) {
            return;
        }
        boolean wasEmpty = carry.position() == 0;
        carry.put(input);
        if (wasEmpty) {
            carryScanned = scanned ? carry.position() : 0;
        } // else the bytes already there are still a prefix without a frame, and carryScanned still counts them
    }

    private void growCarry(int minBytes) {
        carry = group.carryBuffers.grow(carry, minBytes, group.maxCarryBytes);
        group.enforceCarryBudget();
    }

    private void releaseCarry() {
        if (carry != null) {
            group.carryBuffers.give(carry);
            carry = null;
            carryScanned = 0;
        }
    }

    /** The carry buffer's capacity, what the carry budget counts for this connection. */
    int carriedCapacity() {
        return carry == null ? 0 : carry.capacity();
    }

    @Override
    public boolean acceptsMore() {
        return framesLeft > 0 && state == State.OPEN;
    }

    @Override
    public void onFrame(ByteBuffer frame) {
        if (state == State.OPEN) {
            framesLeft--;
            group.stats.framesIn++;
            handler.onFrame(this, frame);
        }
    }

    private void onEndOfStream() {
        peerClosed = true;
        // Stop reading: a half-closed socket stays readable forever and would spin the loop.
        setInterest(interestOps & ~SelectionKey.OP_READ);
        if (carry != null && carry.position() == 0) {
            releaseCarry();
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
        if (state == State.OPEN && behind && queue.bytes() > group.maxOutboundBytes) {
            // Judged here, after the turn's flush: only what the socket could not take counts against the limit.
            outboundLimitAtEndOfTurn();
        }
    }

    private void outboundLimitAtEndOfTurn() {
        if (group.overflowPolicy == OverflowPolicy.DROP) {
            return; // kept; every message for it is dropped until it catches up (it is behind)
        }
        try {
            handler.onOutboundLimit(this);
        } catch (RuntimeException e) {
            log.warn("onOutboundLimit failed for {}", peer, e);
        }
        if (state == State.OPEN) {
            close(CloseReason.OUTBOUND_LIMIT);
        }
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
            behind = true;
            queue.keepTransientBytes();
            setInterest(interestOps | SelectionKey.OP_WRITE);
            return;
        }
        behind = false;
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
        for (int i = 0; i < group.maxReadsPerTurn; i++) {
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
