package io.loopwire.wire;

import java.net.InetSocketAddress;

/**
 * How a peer is named on the wire and in logs: {@code <ip>:<port>}, the numeric address (never a host name, so no DNS
 * lookup), as in {@code [127.0.0.1:50598] hi} and {@code * 127.0.0.1:50598 joined}.
 *
 * @implNote Stateless; safe from any thread. Allocates the string: call it once per peer, never per message.
 */
public final class PeerName {

    private PeerName() {
    }

    /** {@code <ip>:<port>} of a resolved address; an IPv6 address is written without brackets, as the JDK prints it. */
    public static String of(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ':' + address.getPort();
    }
}
