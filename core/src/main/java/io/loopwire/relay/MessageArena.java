package io.loopwire.relay;

import io.loopwire.Reactor;
import java.nio.ByteBuffer;

/**
 * Scratch memory for the messages one loop turn relays, reused every turn: the broadcast path allocates nothing in
 * steady state. Recipients queue the bytes with {@code TcpConnection.sendTransient}, which copies whatever a slow
 * socket has not taken by the end of the turn, so the arena is free again when the next turn starts.
 *
 * <p>Messages are handed out through a ring of {@value #VIEWS} buffer objects sharing one block of direct memory,
 * because one buffer object can describe only one range in a gathering write: a recipient's queued messages then go
 * out up to {@value #VIEWS} per system call. Direct memory, because the JDK copies every heap buffer of a gathering
 * write into a temporary direct buffer first.
 *
 * @implNote Reactor thread only.
 */
final class MessageArena {
    static final int VIEWS = 1024;
    private static final int INITIAL_BYTES = 64 * 1024;
    /** Beyond this a turn's messages get buffers of their own (rare: a turn relaying megabytes). */
    private static final int MAX_BYTES = 4 * 1024 * 1024;

    private final Reactor reactor;
    private ByteBuffer memory = ByteBuffer.allocateDirect(INITIAL_BYTES);
    private final ByteBuffer[] views = new ByteBuffer[VIEWS];
    private int used;
    private int nextView;
    private long turn = -1;

    MessageArena(Reactor reactor) {
        this.reactor = reactor;
        wrapViews();
    }

    private void wrapViews() {
        for (int i = 0; i < VIEWS; i++) {
            views[i] = memory.duplicate();
        }
    }

    /** A buffer with room for {@code length} bytes at its position; its limit is position + length. */
    ByteBuffer allocate(int length) {
        long now = reactor.currentTurn();
        if (now != turn) {
            turn = now;
            used = 0; // every recipient flushed or copied last turn's messages
        }
        if (used + length > memory.capacity()) {
            if (length > MAX_BYTES / 2 || memory.capacity() >= MAX_BYTES) {
                return ByteBuffer.allocate(length);
            }
            // Grow for the next turns; this turn's earlier messages keep the old block alive until sent.
            memory = ByteBuffer.allocateDirect(Math.min(MAX_BYTES, Math.max(memory.capacity() * 2, length * 2)));
            wrapViews();
            used = 0;
        }
        ByteBuffer view = views[nextView];
        nextView = (nextView + 1) & (VIEWS - 1);
        view.limit(used + length).position(used);
        used += length;
        return view;
    }
}
