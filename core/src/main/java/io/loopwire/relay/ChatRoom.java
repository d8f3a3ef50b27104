package io.loopwire.relay;

import io.loopwire.Reactor;
import io.loopwire.wire.PeerName;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A set of {@link Member}s that see each other's messages. A message is encoded once, into scratch memory reused
 * every loop turn, and every recipient's queue shares those bytes: a broadcast allocates nothing in steady state,
 * per message or per recipient.
 *
 * @implNote Reactor thread only (or the thread setting up a reactor not yet started), asserted: bridges and other
 *     loops hand their lines over with {@code execute}. Members must not join or leave from inside
 *     {@link Member#deliver}; the transports here never do (a connection over its outbound limit closes at the end of
 *     the turn).
 */
public final class ChatRoom {
    private final Reactor reactor;
    private final RelayFormat format;
    private final MessageArena arena;
    private Member[] members = new Member[16];
    private int size;
    /** Where {@link #size} is published for other threads, or null (see {@link #mirrorSizeTo}). */
    private AtomicInteger sizeMirror;
    private long messagesRelayed;
    private long deliveries;
    private long undeliverable;
    private long foreignLines;
    private RoomListener[] listeners = new RoomListener[0];

    /** A room on {@code reactor} with the wire contract's format. */
    public ChatRoom(Reactor reactor) {
        this(reactor, RelayFormat.DEFAULT);
    }

    public ChatRoom(Reactor reactor, RelayFormat format) {
        this.reactor = Objects.requireNonNull(reactor, "reactor");
        this.arena = new MessageArena(reactor);
        this.format = Objects.requireNonNull(format, "format");
    }

    /** {@code ip:port} of an address, the way the relay names peers. */
    static String peer(InetSocketAddress address) {
        return PeerName.of(address);
    }

    /** Members now in the room. */
    public int size() {
        return size;
    }

    /** Messages relayed (each counted once, whatever the number of recipients). */
    public long messagesRelayed() {
        return messagesRelayed;
    }

    /** Deliveries to recipients (one per message per recipient). */
    public long deliveries() {
        return deliveries;
    }

    /** Deliveries skipped because the line was longer than the recipient can take (a UDP member and a long line). */
    public long undeliverable() {
        return undeliverable;
    }

    /** Lines delivered here that came from elsewhere through {@link #deliverForeign}. */
    public long foreignLines() {
        return foreignLines;
    }

    /**
     * Shows {@code listener} every line this room's own members cause from now on (messages, and the joins and
     * leaves that are announced), after they are delivered here. Loop thread only (or before the reactor starts).
     */
    public void addListener(RoomListener listener) {
        assert reactor.inLoopOrNotStarted() : "addListener off the loop thread";
        Objects.requireNonNull(listener, "listener");
        RoomListener[] grown = Arrays.copyOf(listeners, listeners.length + 1);
        grown[listeners.length] = listener;
        listeners = grown;
    }

    /** Stops showing lines to {@code listener}, if it was added. */
    public void removeListener(RoomListener listener) {
        assert reactor.inLoopOrNotStarted() : "removeListener off the loop thread";
        for (int i = 0; i < listeners.length; i++) {
            if (listeners[i] == listener) {
                RoomListener[] shrunk = new RoomListener[listeners.length - 1];
                System.arraycopy(listeners, 0, shrunk, 0, i);
                System.arraycopy(listeners, i + 1, shrunk, i, shrunk.length - i);
                listeners = shrunk;
                return;
            }
        }
    }

    /**
     * Delivers a line that was said elsewhere (on another loop or node, carried by a bridge) to every member here,
     * and to no {@link RoomListener}: what a bridge delivers is never bridged again. {@code line}'s remaining bytes
     * must be a complete relayed line ending in {@code '\n'}. They are copied into this turn's scratch memory (as a
     * local message is encoded there), so the caller may reuse its buffer once this returns, and recipients get
     * direct memory, which a gathering write takes without another copy.
     */
    public void deliverForeign(ByteBuffer line) {
        assert reactor.inLoopOrNotStarted() : "deliverForeign off the loop thread: hand it over with execute";
        foreignLines++;
        ByteBuffer copy = arena.allocate(line.remaining());
        int start = copy.position();
        copy.put(line).position(start);
        deliverToOthers(null, copy, true);
    }

    /**
     * Publishes the member count in {@code mirror} from now on, at every join and leave, for other loops to read: a
     * {@link GroupRoom} hands lines only to loops that have members. Before the loop starts or on the loop.
     */
    void mirrorSizeTo(AtomicInteger mirror) {
        assert reactor.inLoopOrNotStarted() : "mirrorSizeTo off the loop thread";
        mirror.set(size);
        this.sizeMirror = mirror;
    }

    /** Adds {@code member} and tells the others. */
    public void join(Member member) {
        join(member, true);
    }

    /** Adds {@code member}; tells the others only if {@code announce} (a UDP relay under churn stays quiet). */
    void join(Member member, boolean announce) {
        assert reactor.inLoopOrNotStarted() : "join off the loop thread";
        if (member.room != null) {
            throw new IllegalStateException(member + " is already in a room");
        }
        member.prefix = format.prefix(member.address());
        if (size == members.length) {
            members = Arrays.copyOf(members, size * 2);
        }
        member.slot = size;
        member.room = this;
        members[size++] = member;
        if (sizeMirror != null) {
            sizeMirror.set(size);
        }
        if (announce) {
            ByteBuffer notice = notice(member, format.joined(member.address()));
            for (RoomListener listener : listeners) {
                listener.onJoined(member, notice.clear());
            }
        }
    }

    /** Removes {@code member} (if it is here) and tells the others. */
    public void leave(Member member) {
        leave(member, true);
    }

    /** Removes {@code member} (if it is here); tells the others only if {@code announce}. */
    void leave(Member member, boolean announce) {
        assert reactor.inLoopOrNotStarted() : "leave off the loop thread";
        if (member.room != this) {
            return;
        }
        int slot = member.slot;
        Member last = members[--size];
        members[slot] = last;
        last.slot = slot;
        members[size] = null;
        if (sizeMirror != null) {
            sizeMirror.set(size);
        }
        member.slot = -1;
        member.room = null;
        if (announce) {
            ByteBuffer notice = notice(member, format.left(member.address()));
            for (RoomListener listener : listeners) {
                listener.onLeft(member, notice.clear());
            }
        }
    }

    /** Sends {@code notice} (without a line terminator) to every member here; a local notice, never bridged. */
    void noticeAll(String notice) {
        notice(null, notice);
    }

    /**
     * Relays {@code text} (its remaining bytes, without a line terminator) from {@code sender} to every other member.
     */
    public void broadcast(Member sender, ByteBuffer text) {
        assert reactor.inLoopOrNotStarted() : "broadcast off the loop thread";
        byte[] prefix = sender.prefix;
        ByteBuffer line = arena.allocate(prefix.length + text.remaining() + 1);
        int start = line.position();
        line.put(prefix).put(text).put((byte) '\n').position(start);
        messagesRelayed++;
        int end = line.limit();
        deliverToOthers(sender, line, true);
        for (RoomListener listener : listeners) {
            line.limit(end).position(start);
            listener.onMessage(sender, line);
        }
    }

    private ByteBuffer notice(Member subject, String notice) {
        ByteBuffer bytes = ByteBuffer.wrap((notice + '\n').getBytes(StandardCharsets.UTF_8));
        deliverToOthers(subject, bytes, false);
        return bytes;
    }

    private void deliverToOthers(Member sender, ByteBuffer line, boolean transientBytes) {
        int start = line.position();
        int end = line.limit();
        int length = end - start;
        int skipped = 0;
        int skippedLimit = Integer.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            Member m = members[i];
            if (m != sender) {
                int max = m.maxLineBytes();
                if (length > max) {
                    skipped++;
                    skippedLimit = Math.min(skippedLimit, max);
                    continue;
                }
                line.limit(end).position(start);
                m.deliver(line, transientBytes);
                deliveries++;
            }
        }
        if (skipped > 0) {
            undeliverable += skipped;
            if (sender != null) {
                sender.undeliverable(skipped, skippedLimit);
            }
        }
    }
}
