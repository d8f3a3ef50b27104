package io.loopwire.relay;

import io.loopwire.udp.UdpEndpoint;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A member of a {@link UdpRelay}, reached at its UDP address: each line goes out as one datagram without its line
 * terminator.
 *
 * @implNote Reactor thread only.
 */
final class UdpMember extends Member {
    private final UdpEndpoint endpoint;
    /** This member's own per-source budget, null when budgets are off. */
    final TokenBucket budget;
    long lastHeardNanos;

    UdpMember(UdpEndpoint endpoint, InetSocketAddress address, TokenBucket budget) {
        super(address);
        this.endpoint = endpoint;
        this.budget = budget;
    }

    @Override
    protected void deliver(ByteBuffer line, boolean transientBytes) {
        line.limit(line.limit() - 1); // a datagram is the message: no line terminator; queued sends are copies
        endpoint.send(address(), line);
    }

    @Override
    protected int maxLineBytes() {
        return UdpRelay.MAX_DATAGRAM_BYTES + 1; // the '\n' is not sent
    }
}
