package io.loopwire.probe;

import io.loopwire.wire.ProbePacket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * {@link LatencyProber.Mode#BINARY}: {@link ProbePacket}s carrying the prober's random id and a sequence number, so
 * late, duplicate and foreign replies are told apart and never taken as fresh samples. Only packets with the reply
 * mark are replies.
 *
 * <p>Since every probe has the same timeout, probes expire in the order they were sent: probes in flight live in one
 * ring indexed by sequence number, and the periodic sweep retires expired ones from its head. Each target also keeps
 * its own sequences in send order, and its rounds are reported from the head of that queue only: a reply waits there
 * until every earlier probe of the same target is answered or lost, so the prober sees each target's rounds in send
 * order (losses in a row are losses in a row by send order). Nothing here allocates after construction.
 *
 * @implNote Reactor thread only.
 */
final class BinaryProbes implements ProbeProtocol {

    private static final byte FREE = 0;
    private static final byte IN_FLIGHT = 1;
    private static final byte ANSWERED = 2;
    private static final byte LOST = 3;

    private final LatencyProber prober;
    private final ProbeTarget[] targets;
    private final int proberId;
    private final long timeoutNanos;
    private final int packetBytes;
    private final ByteBuffer probe;

    /** Ring of probes by sequence: slot = sequence & mask. Sequences in [oldest, next) may be in flight. */
    private final long[] flightSequence;
    private final long[] flightSentNanos;
    private final int[] flightTarget;
    private final byte[] flightState;
    /** RTT of an ANSWERED probe, kept until its round is reported. */
    private final long[] flightRtt;
    private final int mask;
    private long nextSequence = 1;
    private long oldestSequence = 1;

    /** Per target, its unreported sequences in send order: ring {@code t * perTarget .. + perTarget}. */
    private final long[] order;
    private final int[] orderHead;
    private final int[] orderCount;
    private final int perTarget;

    /**
     * {@code capacity}: probes in flight at most, a power of two; {@code perTarget}: unreported probes of one target
     * at most.
     */
    BinaryProbes(LatencyProber prober, ProbeTarget[] targets, int proberId, long timeoutNanos, int packetBytes,
            int capacity, int perTarget) {
        assert Integer.bitCount(capacity) == 1 : capacity;
        this.prober = prober;
        this.targets = targets;
        this.proberId = proberId;
        this.timeoutNanos = timeoutNanos;
        this.packetBytes = packetBytes;
        this.probe = ByteBuffer.allocateDirect(packetBytes);
        this.mask = capacity - 1;
        this.flightRtt = new long[capacity];
        this.perTarget = perTarget;
        this.order = new long[targets.length * perTarget];
        this.orderHead = new int[targets.length];
        this.orderCount = new int[targets.length];
        this.flightSequence = new long[capacity];
        this.flightSentNanos = new long[capacity];
        this.flightTarget = new int[capacity];
        this.flightState = new byte[capacity];
    }

    @Override
    public ByteBuffer nextProbe(ProbeTarget target, long nowNanos) {
        final int t = target.index;
        if (nextSequence - oldestSequence > mask || orderCount[t] == perTarget) {
            return null; // a ring is full: every slot holds a probe that may still be answered
        }
        long sequence = nextSequence++;
        order[t * perTarget + (orderHead[t] + orderCount[t]) % perTarget] = sequence;
        orderCount[t]++;
        int slot = (int) (sequence & mask);
        flightSequence[slot] = sequence;
        flightSentNanos[slot] = nowNanos;
        flightTarget[slot] = target.index;
        flightState[slot] = IN_FLIGHT;
        probe.clear();
        ProbePacket.encode(probe, proberId, sequence, nowNanos, packetBytes);
        return probe.flip();
    }

    @Override
    public void onReply(InetSocketAddress sender, ByteBuffer data, long nowNanos) {
        if (!ProbePacket.isReplyFrom(data, proberId)) {
            // Another prober's packet, or our own probe unmarked (reflected by something that is not an echo).
            prober.foreignReply();
            return;
        }
        long sequence = ProbePacket.sequence(data);
        int slot = (int) (sequence & mask);
        if (sequence <= 0 || sequence >= nextSequence || flightSequence[slot] != sequence
                || !targets[flightTarget[slot]].address().equals(sender)) {
            // Never sent, or so old its slot was reused (then it is late), or from the wrong address.
            if (sequence > 0 && sequence < oldestSequence && flightSequence[slot] != sequence) {
                prober.lateReply(null);
            } else {
                prober.foreignReply();
            }
            return;
        }
        ProbeTarget target = targets[flightTarget[slot]];
        switch (flightState[slot]) {
            case IN_FLIGHT -> {
                long rtt = nowNanos - flightSentNanos[slot];
                if (rtt > timeoutNanos) {
                    // Past the timeout but not swept yet: a loss, and a late reply.
                    flightState[slot] = LOST;
                    report(target);
                    prober.lateReply(target);
                } else {
                    flightState[slot] = ANSWERED;
                    flightRtt[slot] = rtt;
                    report(target);
                }
            }
            case ANSWERED -> prober.duplicateReply(target);
            case LOST -> prober.lateReply(target);
            default -> prober.foreignReply(); // FREE: never sent
        }
    }

    @Override
    public void expire(long nowNanos) {
        while (oldestSequence < nextSequence) {
            int slot = (int) (oldestSequence & mask);
            if (flightState[slot] == IN_FLIGHT) {
                if (nowNanos - flightSentNanos[slot] <= timeoutNanos) {
                    return; // sent later than everything behind it: nothing further has expired either
                }
                flightState[slot] = LOST;
                report(targets[flightTarget[slot]]);
            }
            oldestSequence++;
        }
    }

    /**
     * Reports {@code target}'s resolved rounds from the head of its send-order queue, stopping at the first probe
     * still in flight. A queued sequence's slot cannot have been reused: the sweep never passes an in-flight probe,
     * and every queued probe behind the head is newer than it.
     */
    private void report(ProbeTarget target) {
        final int t = target.index;
        final int base = t * perTarget;
        while (orderCount[t] > 0) {
            final long sequence = order[base + orderHead[t]];
            final int slot = (int) (sequence & mask);
            assert flightSequence[slot] == sequence : sequence;
            final byte state = flightState[slot];
            if (state == ANSWERED) {
                prober.replied(target, flightRtt[slot], flightSentNanos[slot] + flightRtt[slot]);
            } else if (state == LOST) {
                prober.lost(target, flightSentNanos[slot]);
            } else {
                return; // still in flight: what follows waits for it
            }
            orderHead[t] = orderHead[t] + 1 == perTarget ? 0 : orderHead[t] + 1;
            orderCount[t]--;
        }
    }
}
