package io.loopwire.relay;

import io.loopwire.udp.UdpEndpoint;
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
    /** The probe packet's magic, {@code "LWP1"}, and its header size (magic, prober id, sequence, send time). */
    private static final int PROBE_MAGIC = 0x4C575031;
    private static final int PROBE_HEADER_BYTES = 24;

    private final ByteBuffer pong = ByteBuffer.wrap(new byte[] {'p', 'i', 'n', 'g'});
    private long pingsAnswered;
    private long probesEchoed;

    /** A ping and probe answerer with zeroed counters. */
    public PingEcho() {
    }

    /** Answers {@code data} if it is a ping or a probe; returns whether it was. {@code data} may be consumed. */
    public boolean answer(UdpEndpoint endpoint, InetSocketAddress sender, ByteBuffer data) {
        if (isProbe(data)) {
            probesEchoed++;
            endpoint.send(sender, data);
            return true;
        }
        int limit = data.limit();
        Commands.stripLineEnd(data);
        if (Commands.isPing(data)) {
            pingsAnswered++;
            pong.clear();
            endpoint.send(sender, pong);
            return true;
        }
        data.limit(limit);
        return false;
    }

    private static boolean isProbe(ByteBuffer data) {
        return data.remaining() >= PROBE_HEADER_BYTES && data.getInt(data.position()) == PROBE_MAGIC;
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
