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

    @Override
    public String toString() {
        return getClass().getSimpleName() + '[' + peer + ']';
    }
}
