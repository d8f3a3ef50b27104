package io.loopwire.relay;

import io.loopwire.Reactor;
import io.loopwire.wire.PeerName;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A set of {@link Member}s that see each other's messages. A message is encoded once, into scratch memory reused
 * every loop turn, and every recipient's queue shares those bytes: a broadcast allocates nothing in steady state,
 * per message or per recipient.
 *
 * @implNote Reactor thread only. Members must not join or leave from inside {@link Member#deliver}; the transports
 *     here never do (a connection over its outbound limit closes at the end of the turn).
 */
public final class ChatRoom {
    private final RelayFormat format;
    private final MessageArena arena;
    private Member[] members = new Member[16];
    private int size;
    private long messagesRelayed;
    private long deliveries;
    private long undeliverable;

    /** A room on {@code reactor} with the wire contract's format. */
    public ChatRoom(Reactor reactor) {
        this(reactor, RelayFormat.DEFAULT);
    }

    public ChatRoom(Reactor reactor, RelayFormat format) {
        this.arena = new MessageArena(Objects.requireNonNull(reactor, "reactor"));
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

    /** Adds {@code member} and tells the others. */
    public void join(Member member) {
        join(member, true);
    }

    /** Adds {@code member}; tells the others only if {@code announce} (a UDP relay under churn stays quiet). */
    void join(Member member, boolean announce) {
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
        if (announce) {
            notice(member, format.joined(member.address()));
        }
    }

    /** Removes {@code member} (if it is here) and tells the others. */
    public void leave(Member member) {
        leave(member, true);
    }

    /** Removes {@code member} (if it is here); tells the others only if {@code announce}. */
    void leave(Member member, boolean announce) {
        if (member.room != this) {
            return;
        }
        int slot = member.slot;
        Member last = members[--size];
        members[slot] = last;
        last.slot = slot;
        members[size] = null;
        member.slot = -1;
        member.room = null;
        if (announce) {
            notice(member, format.left(member.address()));
        }
    }

    /** Sends {@code notice} (without a line terminator) to every member. */
    void noticeAll(String notice) {
        notice(null, notice);
    }

    /**
     * Relays {@code text} (its remaining bytes, without a line terminator) from {@code sender} to every other member.
     */
    public void broadcast(Member sender, ByteBuffer text) {
        byte[] prefix = sender.prefix;
        ByteBuffer line = arena.allocate(prefix.length + text.remaining() + 1);
        int start = line.position();
        line.put(prefix).put(text).put((byte) '\n').position(start);
        messagesRelayed++;
        deliverToOthers(sender, line, true);
    }

    private void notice(Member subject, String notice) {
        byte[] bytes = (notice + '\n').getBytes(StandardCharsets.UTF_8);
        deliverToOthers(subject, ByteBuffer.wrap(bytes), false);
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
