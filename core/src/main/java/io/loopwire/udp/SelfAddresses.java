package io.loopwire.udp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The addresses a datagram socket receives on: the bound address, or for a wildcard bind every address of every
 * interface (read once, at bind time). A datagram whose source is one of them, with our port, comes from ourselves.
 *
 * @implNote Immutable after construction; {@link #isSelf} allocates nothing.
 */
final class SelfAddresses {
    private final int port;
    private final InetAddress[] addresses;

    SelfAddresses(InetSocketAddress bound) {
        this.port = bound.getPort();
        InetAddress address = bound.getAddress();
        if (!address.isAnyLocalAddress()) {
            addresses = new InetAddress[] {address};
            return;
        }
        List<InetAddress> all = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                all.addAll(Collections.list(nic.getInetAddresses()));
            }
        } catch (SocketException e) {
            all.add(InetAddress.getLoopbackAddress()); // at least the obvious one
        }
        addresses = all.toArray(new InetAddress[0]);
    }

    boolean isSelf(InetSocketAddress source) {
        if (source.getPort() != port) {
            return false;
        }
        InetAddress a = source.getAddress();
        for (InetAddress own : addresses) {
            if (own.equals(a)) {
                return true;
            }
        }
        return false;
    }
}
