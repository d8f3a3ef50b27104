package io.loopwire.tcp;

/** Why a {@link TcpConnection} closed. */
public enum CloseReason {
    /** The application closed it (for example on {@code /quit}). */
    LOCAL,
    /** The peer closed its side (end of stream); what was queued for it was flushed first. */
    PEER_CLOSED,
    /** The peer reset the connection or an I/O error ended it. */
    RESET,
    /** The peer sent a frame longer than the framer's limit. */
    FRAME_TOO_LONG,
    /** The peer did not read fast enough and its outbound queue hit the limit. */
    OUTBOUND_LIMIT,
    /** Our handler threw while serving this connection. */
    HANDLER_ERROR,
    /** Nothing was read from the peer for longer than the idle timeout. */
    IDLE_TIMEOUT,
    /**
     * The connections together held more carried input than their budget, and this one held the most; see
     * {@link ConnectionOptions#carryBudgetBytes}.
     */
    MEMORY_BUDGET,
    /** The reactor closed. */
    SHUTDOWN,
    /**
     * TLS: the handshake failed (not TLS at all, a protocol version below 1.2, no common cipher, a certificate refused,
     * or the peer left during it). Counted and logged at most once per 10 s.
     */
    TLS_HANDSHAKE_FAILED,
    /** TLS: the handshake did not finish within the handshake timeout. */
    TLS_HANDSHAKE_TIMEOUT,
    /**
     * TLS: the peer ended TCP without {@code close_notify} in the middle of a frame (or of a record): a truncation
     * attack or a crash. The unfinished frame is never delivered.
     */
    TLS_TRUNCATED,
    /** TLS: an error after the handshake (a record that does not authenticate, or a refused renegotiation). */
    TLS_PROTOCOL_ERROR
}
