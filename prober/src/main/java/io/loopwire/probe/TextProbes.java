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
 * <p>A late reply must never pass for the answer to a newer ping (at an RTT over the timeout that would read as a
 * short RTT, and a dead-slow link as NORMAL). So after a ping times out, the target is held in quarantine: no new ping
 * goes out until the late reply has arrived (counted late) or another {@code timeout} has passed. A reply that arrives
 * while nothing is in flight is always late. What text mode cannot know: a reply more than twice the timeout late,
 * arriving after the next ping left, is taken as that ping's answer (binary probes carry a sequence and have no such
 * limit), and a duplicated reply is taken as the answer to the next ping.
 *
 * @implNote Reactor thread only.
 */
final class TextProbes implements ProbeProtocol {

    private static final long NONE = Long.MIN_VALUE;

    private final LatencyProber prober;
    private final ProbeTarget[] targets;
    private final Map<InetSocketAddress, ProbeTarget> byAddress;
    private final long timeoutNanos;
    private final ByteBuffer ping = Ping.newBuffer();
    /** Per target index: the send time of the probe in flight, or NONE. */
    private final long[] sentNanos;
    /** Per target index: the end of the quarantine after a timed-out ping whose reply has not come, or NONE. */
    private final long[] quarantineUntil;

    TextProbes(LatencyProber prober, ProbeTarget[] targets, Map<InetSocketAddress, ProbeTarget> byAddress,
            long timeoutNanos) {
        this.prober = prober;
        this.targets = targets;
        this.byAddress = byAddress;
        this.timeoutNanos = timeoutNanos;
        this.sentNanos = new long[targets.length];
        this.quarantineUntil = new long[targets.length];
        Arrays.fill(sentNanos, NONE);
        Arrays.fill(quarantineUntil, NONE);
    }

    @Override
    public ByteBuffer nextProbe(ProbeTarget target, long nowNanos) {
        final int t = target.index;
        if (sentNanos[t] != NONE) {
            return null; // one in flight at most
        }
        if (quarantineUntil[t] != NONE) {
            if (nowNanos - quarantineUntil[t] < 0) {
                return null; // the last ping's late reply may still come: it must not answer this one
            }
            quarantineUntil[t] = NONE;
        }
        sentNanos[t] = nowNanos;
        return ping.clear();
    }

    @Override
    public void onReply(InetSocketAddress sender, ByteBuffer data, long nowNanos) {
        ProbeTarget target = byAddress.get(sender);
        if (target == null || !Ping.isPing(data)) {
            prober.foreignReply();
            return;
        }
        final int t = target.index;
        long sentAt = sentNanos[t];
        if (sentAt == NONE) {
            // Nothing in flight: the answer to a ping already counted lost (which ends its quarantine).
            quarantineUntil[t] = NONE;
            prober.lateReply(target);
            return;
        }
        sentNanos[t] = NONE;
        long rtt = nowNanos - sentAt;
        if (rtt > timeoutNanos) {
            prober.lost(target, sentAt); // the reply itself is here: no quarantine needed
            prober.lateReply(target);
        } else {
            prober.replied(target, rtt, nowNanos);
        }
    }

    @Override
    public void expire(long nowNanos) {
        for (ProbeTarget target : targets) {
            final int t = target.index;
            long sentAt = sentNanos[t];
            if (sentAt != NONE && nowNanos - sentAt > timeoutNanos) {
                sentNanos[t] = NONE;
                quarantineUntil[t] = nowNanos + timeoutNanos;
                prober.lost(target, sentAt);
            }
        }
    }
}
