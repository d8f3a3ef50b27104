package io.loopwire.relay;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One participant of a {@link ChatRoom}, over TCP or UDP.
 *
 * @implNote Reactor thread only.
 */
public abstract class Member {
    private final InetSocketAddress address;
    private final String peer;
    byte[] prefix;
    /** Position in the room's member array, -1 when not in a room. */
    int slot = -1;
    ChatRoom room;

    protected Member(InetSocketAddress address) {
        this(address, ChatRoom.peer(address));
    }

    /** With {@code peer}, the {@code ip:port} form of {@code address}, when the transport has it already. */
    protected Member(InetSocketAddress address, String peer) {
        this.address = address;
        this.peer = peer;
    }

    /** The member's address. */
    public InetSocketAddress address() {
        return address;
    }

    /** The member as {@code ip:port}. */
    public String peer() {
        return peer;
    }

    /** Whether the member is in a room. */
    public boolean inRoom() {
        return room != null;
    }

    /**
     * Delivers one relayed line: {@code line}'s remaining bytes, ending with {@code '\n'}, shared by every recipient.
     * Do not change the content; position and limit may be changed (and need not be restored). If
     * {@code transientBytes}, the content is valid only until the end of the current loop turn (copy what must wait
     * longer, as {@code TcpConnection.sendTransient} does).
     */
    protected abstract void deliver(ByteBuffer line, boolean transientBytes);

    /**
     * The longest relayed line (prefix, text and {@code '\n'}) this member can receive; longer lines are not
     * delivered to it. Unlimited by default; a UDP member is limited by the largest datagram.
     */
    protected int maxLineBytes() {
        return Integer.MAX_VALUE;
    }

    /**
     * A line this member sent could not reach {@code recipients} members (longer than {@code maxLineBytes} they take);
     * the others got it. Called once per such line. Does nothing by default.
     */
    protected void undeliverable(int recipients, int maxLineBytes) {
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + '[' + peer + ']';
    }
}
