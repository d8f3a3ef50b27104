package io.loopwire.tcp;

/** What a {@link TcpConnection} does with a message that would take its outbound queue over the limit. */
public enum OverflowPolicy {
    /** Close the slow consumer (after {@link TcpHandler#onOutboundLimit} had its say). The default. */
    DISCONNECT,
    /** Do not queue the message for this peer; count it as dropped. */
    DROP
}
