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
    SHUTDOWN
}
