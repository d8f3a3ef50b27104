package io.loopwire.udp;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Receives the datagrams of a {@link UdpEndpoint}.
 *
 * @implNote Runs on the reactor thread. An exception thrown here is logged and counted; the endpoint stays open (one
 *     bad datagram never closes a UDP server).
 */
@FunctionalInterface
public interface UdpHandler {

    /**
     * A datagram arrived from {@code sender}. {@code data}'s remaining bytes are the payload, valid only during this
     * call (it is the loop-shared read buffer).
     */
    void onDatagram(UdpEndpoint endpoint, InetSocketAddress sender, ByteBuffer data);
}
