package io.loopwire.udp;

/**
 * Counters of one {@link UdpEndpoint}: plain primitives written by the loop thread.
 *
 * @implNote Read them on the loop thread (or through {@code Reactor.execute}); read elsewhere they may be stale.
 */
public final class UdpStats {
    long datagramsIn;
    long bytesIn;
    long datagramsOut;
    long bytesOut;
    long queued;
    long dropped;
    long sendErrors;
    long receiveErrors;
    long handlerErrors;
    long fromSelf;
    long batchesCut;

    /** Made by the owning endpoint; users only read it. */
    UdpStats() {
    }

    public long datagramsIn() {
        return datagramsIn;
    }

    public long bytesIn() {
        return bytesIn;
    }

    /** Datagrams handed to the kernel. */
    public long datagramsOut() {
        return datagramsOut;
    }

    public long bytesOut() {
        return bytesOut;
    }

    /** Datagrams that waited in the send queue because the kernel buffer was full. */
    public long queued() {
        return queued;
    }

    /** Datagrams dropped because the send queue was full. */
    public long dropped() {
        return dropped;
    }

    /** Sends that failed (unreachable destination and the like); the endpoint stayed open. */
    public long sendErrors() {
        return sendErrors;
    }

    /** Receives that failed (an ICMP port-unreachable reported on the socket, say); the endpoint stayed open. */
    public long receiveErrors() {
        return receiveErrors;
    }

    /** Exceptions thrown by the handler; the endpoint stayed open. */
    public long handlerErrors() {
        return handlerErrors;
    }

    /** Datagrams whose source was this endpoint's own address: dropped unread (an echo loop otherwise). */
    public long fromSelf() {
        return fromSelf;
    }

    /** Receive batches stopped early because they had caused as many sends as a batch may. */
    public long batchesCut() {
        return batchesCut;
    }

    @Override
    public String toString() {
        return "UdpStats{in=" + datagramsIn + ", out=" + datagramsOut + ", queued=" + queued + ", dropped=" + dropped
                + ", sendErrors=" + sendErrors + ", receiveErrors=" + receiveErrors + ", handlerErrors="
                + handlerErrors + ", fromSelf=" + fromSelf + ", batchesCut=" + batchesCut + '}';
    }
}
