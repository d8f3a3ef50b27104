package io.loopwire.cluster;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of one {@link NatsRoomBridge}. Every figure is a count of lines (messages or join/leave notices), never
 * bytes.
 *
 * @implNote Thread-safe: written by the loop, the publisher thread and jnats' dispatcher thread, read by anyone.
 */
public final class ClusterStats {
    final AtomicLong published = new AtomicLong();
    final AtomicLong droppedOutboxFull = new AtomicLong();
    final AtomicLong droppedDisconnected = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong gaps = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong droppedInboxFull = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();

    /** Lines handed to NATS. */
    public long published() {
        return published.get();
    }

    /** Local lines not published because the outbox was full (NATS slower than the room). */
    public long droppedOutboxFull() {
        return droppedOutboxFull.get();
    }

    /** Local lines not published because the connection to NATS was down (or jnats refused them). */
    public long droppedDisconnected() {
        return droppedDisconnected.get();
    }

    /** Lines received from other nodes (before de-duplication). */
    public long received() {
        return received.get();
    }

    /** Received lines dropped as already seen (same origin, incarnation and sequence or older). */
    public long duplicates() {
        return duplicates.get();
    }

    /** Lines another node published that never arrived here, judged by holes in its sequence numbers. */
    public long gaps() {
        return gaps.get();
    }

    /** Received messages without valid loopwire headers, ignored. */
    public long malformed() {
        return malformed.get();
    }

    /** Remote lines dropped because the loop was too far behind (the inbox was full). */
    public long droppedInboxFull() {
        return droppedInboxFull.get();
    }

    /** Remote lines delivered to the local room. */
    public long delivered() {
        return delivered.get();
    }

    @Override
    public String toString() {
        return "published=" + published() + " droppedOutboxFull=" + droppedOutboxFull() + " droppedDisconnected="
                + droppedDisconnected() + " received=" + received() + " duplicates=" + duplicates() + " gaps="
                + gaps() + " malformed=" + malformed() + " droppedInboxFull=" + droppedInboxFull() + " delivered="
                + delivered();
    }
}
