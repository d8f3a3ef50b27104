package io.loopwire.metrics;

import io.loopwire.wire.PeerName;
import java.net.InetSocketAddress;

/** {@code ip:port} as the wire contract writes it (no host names, no leading slash). */
final class Addresses {
    private Addresses() {
    }

    static String hostPort(InetSocketAddress address) {
        if (address == null) {
            return "unbound";
        }
        return address.isUnresolved() ? address.getHostString() + ":" + address.getPort() : PeerName.of(address);
    }

    static String ip(InetSocketAddress address) {
        return address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
    }
}
