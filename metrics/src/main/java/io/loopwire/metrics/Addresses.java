package io.loopwire.metrics;

import java.net.InetSocketAddress;

/** {@code ip:port} as the wire contract writes it (no host names, no leading slash). */
final class Addresses {
    private Addresses() {
    }

    static String hostPort(InetSocketAddress address) {
        if (address == null) {
            return "unbound";
        }
        String ip = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        return ip + ":" + address.getPort();
    }

    static String ip(InetSocketAddress address) {
        return address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
    }
}
