package io.loopwire.relay;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * How relayed messages and notices look. The default is the wire contract of the chat server:
 * {@code [<ip>:<port>] <text>}, {@code * <ip>:<port> joined}, {@code * <ip>:<port> left}.
 *
 * @implNote Called on the reactor thread. {@link #prefix} runs once per member, so a format may allocate freely.
 */
public interface RelayFormat {

    /** The wire contract's format. */
    RelayFormat DEFAULT = new RelayFormat() {
    };

    /** The bytes put before every message relayed from {@code sender}. */
    default byte[] prefix(InetSocketAddress sender) {
        return ("[" + ChatRoom.peer(sender) + "] ").getBytes(StandardCharsets.UTF_8);
    }

    /** The notice sent to the others when {@code member} joins, without a line terminator. */
    default String joined(InetSocketAddress member) {
        return "* " + ChatRoom.peer(member) + " joined";
    }

    /** The notice sent to the others when {@code member} leaves, without a line terminator. */
    default String left(InetSocketAddress member) {
        return "* " + ChatRoom.peer(member) + " left";
    }
}
