package io.loopwire.relay;

import io.loopwire.udp.UdpEndpoint;
import io.loopwire.wire.Ping;
import io.loopwire.wire.ProbePacket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Answers latency probes on a UDP endpoint: a datagram that is exactly {@code ping} (one trailing {@code "\n"} or
 * {@code "\r\n"} allowed) is echoed as it came, so a bare {@code ping} gets {@code ping} (the original system's
 * protocol, unchanged) and {@code nc -u}'s {@code ping\n} gets a line; a binary probe packet (magic {@code LWP1})
 * is echoed with the same bytes and its reply mark set ({@link ProbePacket#markReply}), both to the sender only. A
 * probe packet that already carries the reply mark is never answered (counted): two echoes cannot bounce one packet
 * between them forever. None of these is relayed or makes the sender a member.
 *
 * @implNote Reactor thread only.
 */
public final class PingEcho {
    private long pingsAnswered;
    private long probesEchoed;
    private long repliesIgnored;

    /** A ping and probe answerer with zeroed counters. */
    public PingEcho() {
    }

    /**
     * Answers {@code data} if it is a ping or a probe; returns whether it was one (a probe reply, unanswered,
     * included). {@code data} must be writable and may be changed or consumed.
     */
    public boolean answer(UdpEndpoint endpoint, InetSocketAddress sender, ByteBuffer data) {
        if (ProbePacket.isProbe(data)) {
            if (ProbePacket.isReply(data)) {
                repliesIgnored++; // already an answer: answering it could start an endless echo between two servers
                return true;
            }
            probesEchoed++;
            ProbePacket.markReply(data);
            endpoint.send(sender, data);
            return true;
        }
        if (Ping.isPing(data)) {
            pingsAnswered++;
            endpoint.send(sender, data); // as it came: the seed's bare "ping", or a line from a text tool
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

    /** Probe packets that carried the reply mark, left unanswered. */
    public long repliesIgnored() {
        return repliesIgnored;
    }
}
