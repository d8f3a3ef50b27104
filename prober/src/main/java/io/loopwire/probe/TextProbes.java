package io.loopwire.probe;

import io.loopwire.wire.Ping;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * {@link LatencyProber.Mode#TEXT}: the original system's {@code ping}, answered by {@code ping}. The protocol cannot
 * tell two pings apart, so each target has at most one probe in flight and a reply is matched by the sender's
 * address alone.
 *
 * @implNote Reactor thread only.
 */
final class TextProbes implements ProbeProtocol {

    private final LatencyProber prober;
    private final ProbeTarget[] targets;
    private final Map<InetSocketAddress, ProbeTarget> byAddress;
    private final long timeoutNanos;
    private final ByteBuffer ping = Ping.newBuffer();
    /** Per target index: the send time of the probe in flight, or -1. */
    private final long[] sentNanos;

    TextProbes(LatencyProber prober, ProbeTarget[] targets, Map<InetSocketAddress, ProbeTarget> byAddress,
            long timeoutNanos) {
        this.prober = prober;
        this.targets = targets;
        this.byAddress = byAddress;
        this.timeoutNanos = timeoutNanos;
        this.sentNanos = new long[targets.length];
        Arrays.fill(sentNanos, -1);
    }

    @Override
    public ByteBuffer nextProbe(ProbeTarget target, long nowNanos) {
        if (sentNanos[target.index] >= 0) {
            return null; // one in flight at most
        }
        sentNanos[target.index] = nowNanos;
        return ping.clear();
    }

    @Override
    public void onReply(InetSocketAddress sender, ByteBuffer data, long nowNanos) {
        ProbeTarget target = byAddress.get(sender);
        if (target == null || !Ping.isPing(data)) {
            prober.foreignReply();
            return;
        }
        long sentAt = sentNanos[target.index];
        if (sentAt < 0) {
            prober.lateReply(target); // nothing in flight: the answer to a probe already counted lost
            return;
        }
        sentNanos[target.index] = -1;
        long rtt = nowNanos - sentAt;
        if (rtt > timeoutNanos) {
            prober.lost(target, sentAt);
            prober.lateReply(target);
        } else {
            prober.replied(target, rtt, nowNanos);
        }
    }

    @Override
    public void expire(long nowNanos) {
        for (ProbeTarget target : targets) {
            long sentAt = sentNanos[target.index];
            if (sentAt >= 0 && nowNanos - sentAt > timeoutNanos) {
                sentNanos[target.index] = -1;
                prober.lost(target, sentAt);
            }
        }
    }
}
