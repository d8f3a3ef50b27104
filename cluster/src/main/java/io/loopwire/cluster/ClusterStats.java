package io.loopwire.cluster;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Counters of one {@link NatsRoomBridge}. Every count is of lines (messages or join/leave notices); the two
 * {@code ...Bytes} figures are what is held now.
 *
 * @implNote Thread-safe: written by the loop, the publisher thread and jnats' threads, read by anyone.
 */
public final class ClusterStats {
    final AtomicLong published = new AtomicLong();
    final AtomicLong droppedOutboxFull = new AtomicLong();
    final AtomicLong droppedDisconnected = new AtomicLong();
    final AtomicLong droppedTooLarge = new AtomicLong();
    final AtomicLong publishFailures = new AtomicLong();
    final AtomicLong outboxBytes = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong gaps = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong suspect = new AtomicLong();
    final AtomicLong badSignature = new AtomicLong();
    final AtomicLong stale = new AtomicLong();
    final AtomicLong droppedTooLong = new AtomicLong();
    final AtomicLong droppedInboxFull = new AtomicLong();
    final AtomicLong inboxBytes = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    /** jnats' own count of messages its dispatcher dropped (its pending limits); set once the dispatcher exists. */
    volatile LongSupplier natsDropped = () -> 0;

    /** Lines handed to NATS. */
    public long published() {
        return published.get();
    }

    /** Local lines not published because the outbox was full, in lines or bytes (NATS slower than the room). */
    public long droppedOutboxFull() {
        return droppedOutboxFull.get();
    }

    /** Local lines not published because the connection to NATS was down (or jnats discarded them). */
    public long droppedDisconnected() {
        return droppedDisconnected.get();
    }

    /** Local lines not published because they exceed the NATS server's {@code max_payload}. */
    public long droppedTooLarge() {
        return droppedTooLarge.get();
    }

    /** Local lines not published because publishing failed in some other way (logged once per many). */
    public long publishFailures() {
        return publishFailures.get();
    }

    /** Bytes of local lines held for NATS now (the outbox queue; jnats' own queue is bounded separately). */
    public long outboxBytes() {
        return outboxBytes.get();
    }

    /** Lines received from other nodes (before de-duplication). */
    public long received() {
        return received.get();
    }

    /** Received lines dropped as already seen (same origin, incarnation and sequence, or too old to tell). */
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

    /**
     * Received lines dropped because their sequence was too far ahead of what their origin had sent: a forgery (or a
     * jump this node cannot vouch for); they never advance the origin's state.
     */
    public long suspect() {
        return suspect.get();
    }

    /** With a cluster key: received messages whose signature was missing or wrong, dropped. */
    public long badSignature() {
        return badSignature.get();
    }

    /** With a cluster key: correctly signed messages whose signed time is outside the replay window, dropped. */
    public long stale() {
        return stale.get();
    }

    /** Remote lines longer than this node's line limit, dropped. */
    public long droppedTooLong() {
        return droppedTooLong.get();
    }

    /** Remote lines dropped because the loop was too far behind (the inbox was full, in lines or bytes). */
    public long droppedInboxFull() {
        return droppedInboxFull.get();
    }

    /** Remote lines jnats itself dropped before the bridge saw them (its pending limits: we read too slowly). */
    public long droppedByNats() {
        return natsDropped.getAsLong();
    }

    /** Bytes of remote lines waiting for the loop now, summed over every loop's inbox. */
    public long inboxBytes() {
        return inboxBytes.get();
    }

    /** Remote lines delivered to the local room. */
    public long delivered() {
        return delivered.get();
    }

    @Override
    public String toString() {
        return "published=" + published() + " droppedOutboxFull=" + droppedOutboxFull() + " droppedDisconnected="
                + droppedDisconnected() + " droppedTooLarge=" + droppedTooLarge() + " publishFailures="
                + publishFailures() + " outboxBytes=" + outboxBytes() + " received=" + received() + " duplicates="
                + duplicates() + " gaps=" + gaps() + " malformed=" + malformed() + " suspect=" + suspect()
                + " badSignature=" + badSignature() + " stale=" + stale() + " droppedTooLong=" + droppedTooLong()
                + " droppedInboxFull=" + droppedInboxFull() + " droppedByNats=" + droppedByNats() + " inboxBytes="
                + inboxBytes() + " delivered=" + delivered();
    }
}
