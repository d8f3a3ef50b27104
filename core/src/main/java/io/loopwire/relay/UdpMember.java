package io.loopwire.relay;

import io.loopwire.udp.UdpEndpoint;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A member of a {@link UdpRelay}, reached at its UDP address: each line goes out as one datagram, its {@code '\n'}
 * included, so that a text tool ({@code nc -u}) shows one line per datagram.
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
        endpoint.send(address(), line); // one datagram, '\n' included; a send that must wait is queued as a copy
    }

    @Override
    protected int maxLineBytes() {
        return UdpRelay.MAX_DATAGRAM_BYTES; // the '\n' travels in the datagram too
    }
}
