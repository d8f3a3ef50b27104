package io.loopwire.relay;

/** How an unknown UDP address becomes a member of the room. */
public enum JoinMode {
    /**
     * Any datagram from a new address makes it a member (the original system's behaviour). Safe on loopback only:
     * on an open network a spoofed source address becomes a member that receives the room's traffic.
     */
    OPEN,
    /**
     * An address joins by proving it receives at that address: a datagram of at least
     * {@value UdpRelay#MIN_CHALLENGED_DATAGRAM_BYTES} bytes earns one {@code * validate <token>} line, and
     * {@code /join <token>} makes it a member (QUIC's Retry token, DNS cookies, SYN cookies).
     */
    VALIDATED
}
