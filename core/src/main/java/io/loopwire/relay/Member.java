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
        this.address = address;
        this.peer = ChatRoom.peer(address);
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
     * Delivers one relayed line. {@code line} ends with {@code '\n'} and is shared by every recipient: do not change
     * its content; its position and limit may be changed (and need not be restored).
     */
    protected abstract void deliver(ByteBuffer line);

    @Override
    public String toString() {
        return getClass().getSimpleName() + '[' + peer + ']';
    }
}
