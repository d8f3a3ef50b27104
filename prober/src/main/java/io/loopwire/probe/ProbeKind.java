package io.loopwire.probe;

import java.util.Locale;

/**
 * What a probe of a target measures, named by the scheme of the target's URL ({@code udp://}, {@code tcp://}).
 *
 * @implNote Immutable.
 */
public enum ProbeKind {
    /** A UDP echo round trip: LWP1 packets or the text {@code ping} (the prober's {@link LatencyProber.Mode}). */
    UDP,
    /** The time to open a TCP connection (SYN to established), closed at once; refused or timed out is a loss. */
    TCP,
    /**
     * The time to connect and complete a TLS handshake, closed at once; the server's certificate is judged apart
     * ({@link ProbeTarget#certificateProblem()}, {@link ProbeTarget#certificateNotAfterMillis()}).
     */
    TLS;

    /** The URL scheme, e.g. {@code tcp}. */
    public String scheme() {
        return name().toLowerCase(Locale.ROOT);
    }
}
