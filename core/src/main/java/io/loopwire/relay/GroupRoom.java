package io.loopwire.relay;

import io.loopwire.Reactor;
import io.loopwire.ReactorGroup;
import io.loopwire.loop.EndOfTurn;
import io.loopwire.loop.Loop;
import io.loopwire.loop.LoopAccess;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * One chat room over every loop of a {@link ReactorGroup}: each loop has its own {@link ChatRoom} with its own
 * members, and the rooms are joined by message passing only.
 *
 * <p>How a line crosses loops: a line a member on loop {@code i} causes (message, join, leave) is delivered on loop
 * {@code i} at once, and appended, as the bytes its members got, to loop {@code i}'s outgoing batch. At the end of
 * the turn the batch (one byte array, read-only from then on) goes to every other loop as <b>one task per loop per
 * turn</b>, however many lines and members; there each line is delivered with {@link ChatRoom#deliverForeign}, which
 * no listener sees, so nothing bounces back. Per-sender order holds because a member lives on one loop, its lines
 * enter one batch in order, and tasks from one loop to another run in the order handed over. Exactly once holds
 * because every line is in exactly one batch and each loop runs each batch once.
 *
 * <p>Caps and budgets stay per process: whoever builds the servers on the loops splits them (a member cap of
 * {@code M} becomes {@code ceil(M / N)} per loop): a static split, so no hot path ever touches a shared counter.
 *
 * @implNote Construct before the loops start (or on no loop); {@link #room(int)} is then handed to loop {@code i}'s
 *     servers and used on that loop only. Each batch is written by one loop and, once handed over, only read.
 */
public final class GroupRoom {
    private static final int INITIAL_BATCH_BYTES = 4096;

    private final ChatRoom[] rooms;
    private final Link[] links;

    /** A room over every loop of {@code group}, with the wire contract's format. */
    public GroupRoom(ReactorGroup group) {
        this(group, RelayFormat.DEFAULT);
    }

    public GroupRoom(ReactorGroup group, RelayFormat format) {
        Objects.requireNonNull(group, "group");
        int n = group.size();
        rooms = new ChatRoom[n];
        links = new Link[n];
        for (int i = 0; i < n; i++) {
            rooms[i] = new ChatRoom(group.get(i), format);
            links[i] = new Link(i, group.get(i));
        }
        if (n > 1) {
            for (int i = 0; i < n; i++) {
                rooms[i].addListener(links[i]);
            }
        }
    }

    /** Loop {@code loop}'s part of the room; use it on that loop only. */
    public ChatRoom room(int loop) {
        return rooms[loop];
    }

    /** How many loops the room spans. */
    public int loops() {
        return rooms.length;
    }

    /** Batches handed from loop {@code loop} to the others so far (one per turn with lines, per other loop). */
    public long batchesSent(int loop) {
        return links[loop].batchesSent;
    }

    /** The lines one loop caused in one turn: their bytes back to back, and where each ends. */
    private record Batch(byte[] bytes, int[] ends, int count) {
    }

    /** Loop {@code index}'s side: gathers its lines during a turn, hands them over at the end of it. */
    private final class Link implements RoomListener, EndOfTurn {
        private final int index;
        private final Reactor reactor;
        private final Loop loop;
        private byte[] bytes = new byte[INITIAL_BATCH_BYTES];
        private int[] ends = new int[64];
        private int used;
        private int count;
        private boolean scheduled;
        private volatile long batchesSent;

        Link(int index, Reactor reactor) {
            this.index = index;
            this.reactor = reactor;
            this.loop = LoopAccess.of(reactor);
        }

        @Override
        public void onMessage(Member sender, ByteBuffer line) {
            append(line);
        }

        @Override
        public void onJoined(Member member, ByteBuffer notice) {
            append(notice);
        }

        @Override
        public void onLeft(Member member, ByteBuffer notice) {
            append(notice);
        }

        private void append(ByteBuffer line) {
            assert reactor.inLoop() : "room line off its loop";
            int length = line.remaining();
            if (used + length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, used + length));
            }
            if (count == ends.length) {
                ends = Arrays.copyOf(ends, count * 2);
            }
            line.get(bytes, used, length);
            used += length;
            ends[count++] = used;
            if (!scheduled) {
                scheduled = true;
                loop.runAtEndOfTurn(this);
            }
        }

        @Override
        public void onEndOfTurn() {
            scheduled = false;
            if (count == 0) {
                return;
            }
            // Hand these arrays over (never written again) and start fresh ones sized like this turn's.
            Batch batch = new Batch(bytes, ends, count);
            bytes = new byte[Math.max(INITIAL_BATCH_BYTES, used)];
            ends = new int[Math.max(64, count)];
            used = 0;
            count = 0;
            for (int j = 0; j < links.length; j++) {
                if (j != index) {
                    Link target = links[j];
                    try {
                        target.reactor.execute(() -> target.deliver(batch));
                        batchesSent++;
                    } catch (RejectedExecutionException closing) {
                        // That loop is closing: its members are leaving anyway.
                    }
                }
            }
        }

        private void deliver(Batch batch) {
            assert reactor.inLoop() : "batch delivered off its loop";
            ChatRoom room = rooms[index];
            // One read-only view per batch, moved along it: deliverForeign copies each line into this loop's own
            // scratch memory, so the view is free again as soon as the call returns.
            ByteBuffer view = ByteBuffer.wrap(batch.bytes()).asReadOnlyBuffer();
            int start = 0;
            for (int k = 0; k < batch.count(); k++) {
                int end = batch.ends()[k];
                view.limit(end).position(start);
                room.deliverForeign(view);
                start = end;
            }
        }
    }
}
