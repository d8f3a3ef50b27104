package io.loopwire.tcp;

/**
 * Counters of one {@link TcpServer} and its connections: plain primitives written by the loop thread.
 *
 * @implNote Read them on the loop thread (or through {@code Reactor.execute}); read elsewhere they may be stale.
 */
public final class TcpStats {
    long accepted;
    long open;
    long acceptErrors;
    long bytesIn;
    long bytesOut;
    long framesIn;
    long messagesOut;
    long messagesDropped;
    long turnSharesUsed;
    long carriedBytes;
    long tlsHandshakes;
    final long[] closedByReason = new long[CloseReason.values().length];

    /** Made by the owning server or client; users only read it. */
    TcpStats() {
    }

    /** Connections accepted since start. */
    public long accepted() {
        return accepted;
    }

    /** Connections open now. */
    public long open() {
        return open;
    }

    /** Accept calls that failed (file descriptors exhausted and the like); each paused accepting for a while. */
    public long acceptErrors() {
        return acceptErrors;
    }

    /** Bytes read from peers. */
    public long bytesIn() {
        return bytesIn;
    }

    /** Bytes written to peers. */
    public long bytesOut() {
        return bytesOut;
    }

    /** Frames delivered to the handler. */
    public long framesIn() {
        return framesIn;
    }

    /** Messages queued for sending. */
    public long messagesOut() {
        return messagesOut;
    }

    /** Messages not queued because a peer's outbound queue was full under {@link OverflowPolicy#DROP}. */
    public long messagesDropped() {
        return messagesDropped;
    }

    /**
     * Times a connection used its share of a loop turn (frames or reads) with input left, which then waited for the
     * next turn.
     */
    public long turnSharesUsed() {
        return turnSharesUsed;
    }

    /** Bytes of carry buffers the connections hold now (capacity; what the carry budget counts). */
    public long carriedBytes() {
        return carriedBytes;
    }

    /** TLS handshakes completed (failures are counted as closes: {@link CloseReason#TLS_HANDSHAKE_FAILED}). */
    public long tlsHandshakes() {
        return tlsHandshakes;
    }

    /** Connections closed for {@code reason}. */
    public long closed(CloseReason reason) {
        return closedByReason[reason.ordinal()];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TcpStats{accepted=").append(accepted).append(", open=").append(open)
                .append(", bytesIn=").append(bytesIn).append(", bytesOut=").append(bytesOut)
                .append(", framesIn=").append(framesIn).append(", messagesOut=").append(messagesOut)
                .append(", dropped=").append(messagesDropped).append(", acceptErrors=").append(acceptErrors)
                .append(", turnSharesUsed=").append(turnSharesUsed).append(", carriedBytes=").append(carriedBytes);
        if (tlsHandshakes > 0) {
            sb.append(", tlsHandshakes=").append(tlsHandshakes);
        }
        for (CloseReason r : CloseReason.values()) {
            if (closedByReason[r.ordinal()] > 0) {
                sb.append(", ").append(r.name().toLowerCase()).append('=').append(closedByReason[r.ordinal()]);
            }
        }
        return sb.append('}').toString();
    }
}
