package io.loopwire.probe;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One way of probing, as {@link LatencyProber.Mode} names it: what goes on the wire and how a reply is matched to its
 * probe. Implementations report what they find through the prober's package-private outcome methods
 * ({@code replied}, {@code lost}, {@code lateReply}, {@code duplicateReply}, {@code foreignReply}).
 *
 * @implNote Reactor thread only, like the prober that owns it.
 */
interface ProbeProtocol {

    /** The probe to send to {@code target} now (valid until the next call), or null to skip this round. */
    ByteBuffer nextProbe(ProbeTarget target, long nowNanos);

    /** A datagram arrived at the probing socket. */
    void onReply(InetSocketAddress sender, ByteBuffer data, long nowNanos);

    /** Retires probes older than the timeout as losses. */
    void expire(long nowNanos);
}
