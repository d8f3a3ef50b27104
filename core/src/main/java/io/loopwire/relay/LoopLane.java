package io.loopwire.relay;

import io.loopwire.Reactor;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-way hand-over of a {@link GroupRoom}'s lines from one loop (the sender) to another (the receiver), with
 * flow control as TCP has between hosts.
 *
 * <p><b>Chunks.</b> The sender appends each line (a length, then the bytes) to a chunk of {@value #CHUNK_BYTES} bytes
 * (a longer line gets a chunk of its own size); at the end of its turn it hands the turn's chunks over through a ring
 * and, unless a delivery is already pending, asks the receiver to deliver (one task, however many turns and chunks
 * wait: hand-overs coalesce; {@code Reactor.execute} wakes the receiver only if it sleeps in select). The receiver
 * gives each emptied chunk back through a second ring, so in steady state no chunk is allocated.
 *
 * <p><b>Window.</b> Every byte of every chunk taken from the pool and not yet given back counts against the window.
 * When, at the end of a turn, the window is used up, the sender holds its loop's input ({@link Reactor#holdInput()}:
 * sockets stop being read, so TCP peers feel it through their windows and datagrams wait in the kernel) until the
 * receiver has given half the window back; nothing is lost, and memory stays within the window plus one turn's lines.
 *
 * <p><b>Fair delivery.</b> The receiver delivers at most {@value #LINES_PER_TURN} lines, {@value #BYTES_PER_TURN}
 * bytes or {@value #DELIVERIES_PER_TURN} deliveries of this lane per turn (a connection's share of frames), the rest
 * next turn, in order: a reader that keeps up gets foreign lines at the pace it gets local ones, never a lump that
 * passes its outbound limit in one turn.
 *
 * <p><b>Stall.</b> If the sender has been held for the stall timeout and the receiver has delivered nothing meanwhile,
 * the receiver is declared stalled: the sender's input is released, and lines for the receiver are dropped and
 * counted instead of held. What is already in the window stays; when the receiver delivers again, the stall ends and
 * lines flow as before.
 *
 * @implNote Two threads: methods marked "sender" run on the sending loop, "receiver" on the receiving loop; the
 *     counters are readable from any thread. The rings, the window counter and the two flags below are all that
 *     crosses.
 */
final class LoopLane implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(LoopLane.class);

    static final int CHUNK_BYTES = 32 * 1024;
    static final int LINES_PER_TURN = 1024;
    static final int BYTES_PER_TURN = 256 * 1024;
    /**
     * Deliveries (lines times recipients) per lane per turn: with many members, above all UDP ones (a datagram each),
     * a turn's share of lines would otherwise be a very long turn.
     */
    static final int DELIVERIES_PER_TURN = 16 * 1024;
    private static final int LENGTH_BYTES = 4;

    private final int from;
    private final int to;
    private final Reactor sender;
    private final Reactor receiver;
    private final ChatRoom receiverRoom;
    private final long windowBytes;
    private final long resumeBytes;
    private final long stallTimeoutNanos;

    private final SpscRing<Chunk> handedOver;
    private final SpscRing<Chunk> givenBack;
    /** Bytes of chunks out of the pool: being filled, waiting, being delivered. */
    private final AtomicLong inFlight = new AtomicLong();
    /** A delivery task or revisit is pending on the receiver. */
    private final AtomicBoolean deliveryPending = new AtomicBoolean();
    /** The sender holds its input for this lane and wants to hear when half the window is back. */
    private final AtomicBoolean senderWaiting = new AtomicBoolean();
    private final Runnable deliverTask = this::deliver;
    private final Runnable resumeTask = this::updateHold;

    // Sender side.
    private Chunk filling;
    private final ArrayDeque<Chunk> filled = new ArrayDeque<>();
    private boolean held;
    private long heldSinceNanos;
    private long stalledSinceNanos;

    // Receiver side.
    private Chunk delivering;

    // Readable anywhere; each written by one side only.
    private volatile boolean stalled;
    private volatile long lastDeliveryNanos = System.nanoTime();
    private volatile long linesDropped;
    private volatile long bytesDropped;
    private volatile long holds;
    private volatile long stalls;
    private volatile long chunksHandedOver;

    LoopLane(int from, int to, Reactor sender, Reactor receiver, ChatRoom receiverRoom, long windowBytes,
            long stallTimeoutNanos) {
        this.from = from;
        this.to = to;
        this.sender = sender;
        this.receiver = receiver;
        this.receiverRoom = receiverRoom;
        this.windowBytes = windowBytes;
        this.resumeBytes = windowBytes / 2;
        this.stallTimeoutNanos = stallTimeoutNanos;
        int windowChunks = (int) Math.min(1 << 20, Math.max(4, windowBytes / CHUNK_BYTES));
        this.handedOver = new SpscRing<>(2 * windowChunks);
        this.givenBack = new SpscRing<>(windowChunks);
    }

    /** Sender: one line ({@code line}'s remaining bytes) for the receiver's members. */
    void append(ByteBuffer line) {
        int length = line.remaining();
        if (stalled) {
            linesDropped++;
            bytesDropped += length;
            return;
        }
        int needed = LENGTH_BYTES + length;
        if (filling == null || filling.bytes.length - filling.used < needed) {
            if (filling != null) {
                filled.add(filling);
            }
            filling = takeChunk(needed);
        }
        filling.append(line, length);
    }

    private Chunk takeChunk(int needed) {
        Chunk chunk = needed <= CHUNK_BYTES ? givenBack.poll() : null;
        if (chunk == null) {
            chunk = new Chunk(Math.max(CHUNK_BYTES, needed));
        }
        chunk.used = 0;
        chunk.readAt = 0;
        inFlight.addAndGet(chunk.bytes.length);
        return chunk;
    }

    /** Sender, at the end of a turn with lines: hands the turn's chunks over, then decides whether to hold input. */
    void handOver() {
        if (filling != null && filling.used > 0) {
            filled.add(filling);
            filling = null;
        }
        updateHold();
    }

    /** Sender: moves filled chunks into the ring (as many as it has room for) and asks for a delivery if none waits. */
    private void pushFilled() {
        boolean any = false;
        Chunk chunk;
        while ((chunk = filled.peekFirst()) != null && handedOver.offer(chunk)) {
            filled.pollFirst();
            any = true;
            chunksHandedOver++;
        }
        if (any && deliveryPending.compareAndSet(false, true)) {
            try {
                receiver.execute(deliverTask);
            } catch (RejectedExecutionException closing) {
                // That loop is closing: its members are leaving anyway.
            }
        }
    }

    /**
     * Sender (end of turn, resume task, stall timer): hands over what waits, then holds input while the window is used
     * up (and the receiver not stalled), or releases it once half the window is back.
     */
    void updateHold() {
        assert sender.inLoop() : "updateHold off the sending loop";
        if (!filled.isEmpty()) {
            pushFilled();
        }
        if (!held) {
            if (!stalled && inFlight.get() >= windowBytes) {
                held = true;
                holds++;
                heldSinceNanos = System.nanoTime();
                sender.holdInput();
                waitForCredit();
            }
        } else if (stalled || inFlight.get() <= resumeBytes) {
            release();
        } else {
            waitForCredit();
        }
    }

    /** Asks the receiver to say when credit is back; re-checks, as it may have come back before the flag was up. */
    private void waitForCredit() {
        senderWaiting.set(true);
        if (inFlight.get() <= resumeBytes) {
            release();
        }
    }

    private void release() {
        held = false;
        senderWaiting.set(false);
        sender.releaseInput();
    }

    /** Sender, on a timer: declares the receiver stalled, or sees that it runs again. */
    void checkStall(long now) {
        if (!stalled) {
            long quietSince = Math.max(heldSinceNanos, lastDeliveryNanos);
            if (held && now - quietSince >= stallTimeoutNanos) {
                stalled = true;
                stalls++;
                stalledSinceNanos = now;
                log.warn("loop {} has taken no lines from loop {} for {} ms: stalled; its lines are dropped until it"
                        + " runs again", to, from, (now - quietSince) / 1_000_000);
                updateHold();
            }
        } else if (lastDeliveryNanos - stalledSinceNanos > 0) {
            stalled = false;
            log.warn("loop {} runs again ({} lines from loop {} dropped so far)", to, linesDropped, from);
        }
        updateHold();
    }

    /** Receiver: delivers up to this turn's share, gives emptied chunks back, and comes back next turn for the rest. */
    private void deliver() {
        assert receiver.inLoop() : "deliver off the receiving loop";
        int lines = 0;
        int bytes = 0;
        long credit = 0;
        long deliveriesBefore = receiverRoom.deliveries();
        while (lines < LINES_PER_TURN && bytes < BYTES_PER_TURN
                && receiverRoom.deliveries() - deliveriesBefore < DELIVERIES_PER_TURN) {
            if (delivering == null) {
                delivering = handedOver.poll();
                if (delivering == null) {
                    break;
                }
            }
            Chunk chunk = delivering;
            if (chunk.readAt == chunk.used) {
                credit += giveBack(chunk);
                delivering = null;
                continue;
            }
            bytes += chunk.deliverNext(receiverRoom);
            lines++;
        }
        if (delivering != null && delivering.readAt == delivering.used) {
            credit += giveBack(delivering);
            delivering = null;
        }
        if (lines > 0) {
            lastDeliveryNanos = System.nanoTime();
        }
        // Tell a waiting sender once half the window is back, or when the lane is empty (what remains is still with
        // the sender: chunks the ring had no room for, which its next look hands over).
        long after = credit > 0 ? inFlight.addAndGet(-credit) : inFlight.get();
        boolean empty = delivering == null && handedOver.isEmpty();
        if ((after <= resumeBytes || empty) && senderWaiting.compareAndSet(true, false)) {
            try {
                sender.execute(resumeTask);
            } catch (RejectedExecutionException closing) {
                // The sender is closing: nothing to resume.
            }
        }
        if (delivering != null || !handedOver.isEmpty()) {
            receiver.runNextTurn(this); // the share is used: the rest next turn, after the ready channels
            return;
        }
        deliveryPending.set(false);
        // The sender may have handed over between the check and the flag: it saw a delivery pending.
        if (!handedOver.isEmpty() && deliveryPending.compareAndSet(false, true)) {
            receiver.runNextTurn(this);
        }
    }

    @Override
    public void run() {
        deliver();
    }

    private long giveBack(Chunk chunk) {
        int size = chunk.bytes.length;
        if (size == CHUNK_BYTES) {
            givenBack.offer(chunk); // a full pool lets it go
        }
        return size;
    }

    int from() {
        return from;
    }

    int to() {
        return to;
    }

    boolean stalled() {
        return stalled;
    }

    long linesDropped() {
        return linesDropped;
    }

    long bytesDropped() {
        return bytesDropped;
    }

    long holds() {
        return holds;
    }

    long stalls() {
        return stalls;
    }

    long bytesInFlight() {
        return inFlight.get();
    }

    long chunksHandedOver() {
        return chunksHandedOver;
    }

    /** Lines back to back, each as a 4-byte length and its bytes; written by the sender, then read by the receiver. */
    private static final class Chunk {
        final byte[] bytes;
        /** The receiver's window on {@link #bytes}. */
        final ByteBuffer view;
        int used;
        int readAt;

        Chunk(int size) {
            bytes = new byte[size];
            view = ByteBuffer.wrap(bytes);
        }

        void append(ByteBuffer line, int length) {
            bytes[used] = (byte) (length >>> 24);
            bytes[used + 1] = (byte) (length >>> 16);
            bytes[used + 2] = (byte) (length >>> 8);
            bytes[used + 3] = (byte) length;
            line.get(bytes, used + LENGTH_BYTES, length);
            used += LENGTH_BYTES + length;
        }

        /** Delivers the next line to {@code room}; returns its length. */
        int deliverNext(ChatRoom room) {
            int at = readAt;
            int length = (bytes[at] & 0xff) << 24 | (bytes[at + 1] & 0xff) << 16 | (bytes[at + 2] & 0xff) << 8
                    | (bytes[at + 3] & 0xff);
            int start = at + LENGTH_BYTES;
            readAt = start + length;
            view.limit(readAt).position(start);
            room.deliverForeign(view);
            return length;
        }
    }
}
