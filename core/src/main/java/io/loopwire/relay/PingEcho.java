package io.loopwire.relay;

import io.loopwire.udp.UdpEndpoint;
import io.loopwire.wire.Ping;
import io.loopwire.wire.ProbePacket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Answers latency probes on a UDP endpoint: a datagram that is exactly {@code ping} (one trailing newline allowed)
 * gets {@code ping} back, and a binary probe packet (magic {@code LWP1}) is echoed byte for byte, both to the sender
 * only. Neither is relayed, and neither makes the sender a member.
 *
 * @implNote Reactor thread only.
 */
public final class PingEcho {
    private final ByteBuffer pong = Ping.newBuffer();
    private long pingsAnswered;
    private long probesEchoed;

    /** A ping and probe answerer with zeroed counters. */
    public PingEcho() {
    }

    /** Answers {@code data} if it is a ping or a probe; returns whether it was. {@code data} may be consumed. */
    public boolean answer(UdpEndpoint endpoint, InetSocketAddress sender, ByteBuffer data) {
        if (ProbePacket.isProbe(data)) {
            probesEchoed++;
            endpoint.send(sender, data);
            return true;
        }
        if (Ping.isPing(data)) {
            pingsAnswered++;
            pong.clear();
            endpoint.send(sender, pong);
            return true;
        }
        return false;
    }

    /** {@code ping}s answered. */
    public long pingsAnswered() {
        return pingsAnswered;
    }

    /** Probe packets echoed. */
    public long probesEchoed() {
        return probesEchoed;
    }
}
