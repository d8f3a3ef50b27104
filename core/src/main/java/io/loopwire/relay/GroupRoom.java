package io.loopwire.relay;

import io.loopwire.Reactor;
import io.loopwire.ReactorGroup;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One chat room over every loop of a {@link ReactorGroup}: each loop has its own {@link ChatRoom} with its own
 * members, and the rooms are joined by message passing only.
 *
 * <p>How a line crosses loops: a line a member on loop {@code i} causes (message, join, leave) is delivered on loop
 * {@code i} at once, and appended, as the bytes its members got, to the lane from loop {@code i} to every other loop
 * that has members (a loop without any is skipped: waking it would cost a turn for nobody).
 * At the end of the turn each lane hands its lines over; the receiving loop delivers them with
 * {@link ChatRoom#deliverForeign} (which no listener sees, so nothing bounces back) within a per-turn share, as it
 * reads a connection's frames. Per-sender order holds because a member lives on one loop and a lane delivers in the
 * order it was filled; exactly once holds because each line enters each lane once and is delivered once.
 *
 * <p>Flow control: the bytes handed from one loop to another and not yet delivered are bounded by a window per pair of
 * loops ({@link #DEFAULT_WINDOW_BYTES} by default). When a window is full the sending loop stops reading its sockets
 * until half of it is back, so memory stays flat and nothing is lost. A receiving loop that has taken nothing for the
 * stall timeout ({@link #DEFAULT_STALL_TIMEOUT}) while a sender waited is <em>stalled</em>: lines for it are dropped
 * and counted instead of held ({@link #stalledLoops()}, {@link #linesDropped(int)}), until it delivers again.
 *
 * <p>Caps and budgets stay per process: whoever builds the servers on the loops splits them (a member cap of
 * {@code M} becomes {@code ceil(M / N)} per loop): a static split, so no hot path ever touches a shared counter.
 *
 * @implNote Construct before the loops start (or on no loop); {@link #room(int)} is then handed to loop {@code i}'s
 *     servers and used on that loop only. The health and count accessors ({@link #stalledLoops()}, ...) are
 *     thread-safe snapshots.
 */
public final class GroupRoom {
    /** Bytes in flight from one loop to another before the sender stops reading. */
    public static final long DEFAULT_WINDOW_BYTES = 4L * 1024 * 1024;
    /** How long a receiving loop may take nothing, while a sender waits, before it is declared stalled. */
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(5);
    /** The smallest window: two chunks, so a turn's lines always fit once the window is back. */
    public static final long MIN_WINDOW_BYTES = 2L * LoopLane.CHUNK_BYTES;
    /** The largest window: beyond it a stalled loop could make its peers hold most of a heap. */
    public static final long MAX_WINDOW_BYTES = 1L << 30;

    private final ChatRoom[] rooms;
    /** Each loop's member count, published by its room: lines go only to loops with members. */
    private final AtomicInteger[] sizes;
    private final Link[] links;
    /** lanes[from][to]; null on the diagonal. */
    private final LoopLane[][] lanes;
    private final long windowBytes;
    private final Duration stallTimeout;

    /** A room over every loop of {@code group}, with the wire contract's format and the default window. */
    public GroupRoom(ReactorGroup group) {
        this(group, RelayFormat.DEFAULT);
    }

    public GroupRoom(ReactorGroup group, RelayFormat format) {
        this(group, format, DEFAULT_WINDOW_BYTES, DEFAULT_STALL_TIMEOUT);
    }

    /**
     * @param windowBytes bytes handed from one loop to another and not yet delivered, at most (per pair of loops;
     *     at least {@link #MIN_WINDOW_BYTES})
     * @param stallTimeout how long a loop may take no lines while a sender waits before its lines are dropped
     */
    public GroupRoom(ReactorGroup group, RelayFormat format, long windowBytes, Duration stallTimeout) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(format, "format");
        if (windowBytes < MIN_WINDOW_BYTES) {
            throw new IllegalArgumentException("windowBytes must be at least " + MIN_WINDOW_BYTES + ", was "
                    + windowBytes);
        }
        if (stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("stallTimeout must be positive, was " + stallTimeout);
        }
        this.windowBytes = windowBytes;
        this.stallTimeout = stallTimeout;
        int n = group.size();
        rooms = new ChatRoom[n];
        sizes = new AtomicInteger[n];
        for (int i = 0; i < n; i++) {
            rooms[i] = new ChatRoom(group.get(i), format);
            sizes[i] = new AtomicInteger();
            rooms[i].mirrorSizeTo(sizes[i]);
        }
        lanes = new LoopLane[n][n];
        links = new Link[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    lanes[i][j] = new LoopLane(i, j, group.get(i), group.get(j), rooms[j], windowBytes,
                            stallTimeout.toNanos());
                }
            }
            links[i] = new Link(group.get(i), lanes[i], sizes);
        }
        if (n > 1) {
            // A few checks per stall timeout: a stall is seen within about a quarter of it, and its end as quickly.
            Duration period = Duration.ofMillis(Math.max(10, Math.min(250, stallTimeout.toMillis() / 4)));
            for (int i = 0; i < n; i++) {
                rooms[i].addListener(links[i]);
                Link link = links[i];
                group.get(i).scheduleAtFixedRate(period, period, link::checkStalls);
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

    /** The window per pair of loops, in bytes. */
    public long windowBytes() {
        return windowBytes;
    }

    public Duration stallTimeout() {
        return stallTimeout;
    }

    /** Whether loop {@code loop} is stalled now: a sender gave up waiting for it, and its lines are being dropped. */
    public boolean isStalled(int loop) {
        for (LoopLane[] from : lanes) {
            LoopLane lane = from[loop];
            if (lane != null && lane.stalled()) {
                return true;
            }
        }
        return false;
    }

    /** The loops stalled now, in index order (empty when all is well): what a health check reports. */
    public List<Integer> stalledLoops() {
        List<Integer> stalled = new ArrayList<>();
        for (int i = 0; i < rooms.length; i++) {
            if (isStalled(i)) {
                stalled.add(i);
            }
        }
        return stalled;
    }

    /** Lines meant for loop {@code loop} that were dropped because it was stalled, so far. */
    public long linesDropped(int loop) {
        long sum = 0;
        for (LoopLane[] from : lanes) {
            if (from[loop] != null) {
                sum += from[loop].linesDropped();
            }
        }
        return sum;
    }

    /** Bytes of lines meant for loop {@code loop} that were dropped because it was stalled, so far. */
    public long bytesDropped(int loop) {
        long sum = 0;
        for (LoopLane[] from : lanes) {
            if (from[loop] != null) {
                sum += from[loop].bytesDropped();
            }
        }
        return sum;
    }

    /** Times loop {@code loop} stopped reading its sockets because a window to another loop was full, so far. */
    public long inputHolds(int loop) {
        long sum = 0;
        for (LoopLane lane : lanes[loop]) {
            if (lane != null) {
                sum += lane.holds();
            }
        }
        return sum;
    }

    /** Times loop {@code loop} was declared stalled (by any sender), so far. */
    public long stalls(int loop) {
        long sum = 0;
        for (LoopLane[] from : lanes) {
            if (from[loop] != null) {
                sum += from[loop].stalls();
            }
        }
        return sum;
    }

    /** Bytes handed from loop {@code from} to loop {@code to} and not yet delivered (chunk memory in use). */
    public long bytesInFlight(int from, int to) {
        LoopLane lane = lanes[from][to];
        return lane == null ? 0 : lane.bytesInFlight();
    }

    /** Chunks of lines handed from loop {@code loop} to the others so far. */
    public long batchesSent(int loop) {
        long sum = 0;
        for (LoopLane lane : lanes[loop]) {
            if (lane != null) {
                sum += lane.chunksHandedOver();
            }
        }
        return sum;
    }

    /** One loop's side: appends its members' lines to its lanes, hands them over at the end of the turn. */
    private static final class Link implements RoomListener, Runnable {
        private final Reactor reactor;
        private final LoopLane[] lanes;
        private final AtomicInteger[] sizes;
        private boolean scheduled;

        Link(Reactor reactor, LoopLane[] lanes, AtomicInteger[] sizes) {
            this.reactor = reactor;
            this.lanes = lanes;
            this.sizes = sizes;
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
            int start = line.position();
            boolean appended = false;
            for (int to = 0; to < lanes.length; to++) {
                // A loop without members needs no line: it would wake up, and take a turn, for nobody.
                if (lanes[to] != null && sizes[to].get() > 0) {
                    line.position(start);
                    lanes[to].append(line);
                    appended = true;
                }
            }
            if (appended && !scheduled) {
                scheduled = true;
                reactor.runAtEndOfTurn(this);
            }
        }

        /** At the end of the turn: the turn's lines go to the other loops in one hand-over per lane. */
        @Override
        public void run() {
            scheduled = false;
            for (LoopLane lane : lanes) {
                if (lane != null) {
                    lane.handOver();
                }
            }
        }

        void checkStalls() {
            long now = System.nanoTime();
            for (LoopLane lane : lanes) {
                if (lane != null) {
                    lane.checkStall(now);
                }
            }
        }
    }
}
