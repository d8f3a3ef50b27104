package io.loopwire.cluster;

import io.loopwire.Reactor;
import io.loopwire.ReactorGroup;
import io.loopwire.relay.ChatRoom;
import io.loopwire.relay.GroupRoom;
import io.loopwire.relay.Member;
import io.loopwire.relay.RoomListener;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a {@link ChatRoom} one room across every node bridged to the same NATS subject ({@code loopwire.room.<name>}).
 *
 * <p>What it guarantees, and how:
 * <ul>
 *   <li><b>Published once, never re-published.</b> Each line a local member causes (message, join, leave) is published
 *       once, as the exact bytes local members got, with its origin in headers ({@link Envelope}). Remote lines are
 *       delivered with {@link ChatRoom#deliverForeign}, which no {@link RoomListener} sees: they cannot echo back. The
 *       connection is also opened with NATS' {@code no_echo}, so the server never returns our own lines.</li>
 *   <li><b>Per-sender order, exactly once.</b> NATS keeps the order of one connection's messages to a subscriber; one
 *       publisher thread publishes in queue order; one dispatcher thread hands lines to the loop in order. Receivers
 *       take each sequence of an origin incarnation at most once ({@link OriginFilter}); a node restarted with the
 *       same id has a fresh incarnation, so its new lines are not mistaken for old ones.</li>
 *   <li><b>NATS down or slow: the local room does not notice.</b> Publishing runs on its own thread behind a queue
 *       bounded in lines and bytes, jnats' own outgoing queue included ({@link Outbox}); lines that cannot go out are
 *       dropped and counted, never buffered for later, and no failure stops the publisher. jnats reconnects by itself
 *       (forever, every {@code reconnectWait}) and re-subscribes; the bridge then resumes.</li>
 *   <li><b>A flood from NATS does not take the loop.</b> Remote lines wait in an {@link Inbox} per loop, bounded in
 *       lines and bytes, and enter the loop a bounded share per turn; lines longer than {@link Builder#maxLineBytes}
 *       (plus the sender prefix) are dropped and counted.</li>
 *   <li><b>Strangers on the subject.</b> Without a {@link ClusterKey}, anyone who can publish on the subject can add
 *       lines to the room, but cannot silence a node (a sequence far ahead is suspect and changes nothing) nor make
 *       a replay pass by flooding made-up origins. With a key, every line is signed and checked ({@link Signer}):
 *       forgeries and replays are dropped.</li>
 * </ul>
 * Core NATS is at-most-once: lines published while a subscriber is disconnected are lost for it (counted there as
 * {@link ClusterStats#gaps gaps} once its origin's sequence moves on). Joins and leaves are announced the same way; a
 * node that dies without closing leaves no "left" notices behind.
 *
 * @implNote Thread-safe. {@link Builder#start} and {@link #close} block (connect, flush) and must not run on the loop.
 *     jnats' threads never touch loop state: they hand lines to the loop with {@code execute}, a share per turn.
 */
public final class NatsRoomBridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NatsRoomBridge.class);

    public static final String DEFAULT_ROOM = "lobby";
    /** Local lines waiting for NATS at most; more are dropped and counted. */
    public static final int DEFAULT_MAX_OUTBOX_LINES = 16_384;
    /** Remote lines waiting for the loops at most; more are dropped and counted. */
    public static final int DEFAULT_MAX_INBOX_LINES = 65_536;
    /**
     * Bytes of local lines held for NATS at most (our queue and jnats' outgoing queue together), unless
     * {@link Builder#maxLineBytes} asks for more ({@value #LINES_PER_BUDGET} of the longest lines always fit).
     */
    public static final long DEFAULT_MAX_OUTBOX_BYTES = 4L * 1024 * 1024;
    /** Bytes of remote lines waiting for the loops at most (jnats' pending queue is given the same bound). */
    public static final long DEFAULT_MAX_INBOX_BYTES = 4L * 1024 * 1024;
    /** The longest local chat line (the chat server's {@code --max-frame}) unless told otherwise. */
    public static final int DEFAULT_MAX_LINE_BYTES = 65_536;
    /** A remote line may exceed the line limit by the relay's {@code [ip:port] } prefix and its newline. */
    static final int PREFIX_ALLOWANCE_BYTES = 128;
    /** The default byte bounds grow to hold at least this many of the longest lines. */
    static final int LINES_PER_BUDGET = 4;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RECONNECT_WAIT = Duration.ofMillis(500);
    /** jnats' own buffer for the moment between our status check and a disconnect; small, it is not a replay log. */
    static final long RECONNECT_BUFFER_BYTES = 256 * 1024;
    static final String SUBJECT_PREFIX = "loopwire.room.";
    /** nats:// or tls://, optionally user:password@ or token@, then host:port. */
    private static final Pattern URL = Pattern.compile("(nats|tls)://([^@/\\s]+@)?[^:@/\\s]+:\\d{1,5}");
    /** What {@link #incarnation} looks like: a positive long in hex. */
    private static final Pattern INCARNATION = Pattern.compile("[0-9a-f]{1,16}");
    /** Room names and node ids: one NATS subject token, readable in logs. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Connection connection;
    private final Dispatcher dispatcher;
    private final Outbox outbox;
    private final ClusterStats stats;
    private final String subject;
    private final String nodeId;
    private final String incarnation;
    private final List<Reactor> reactors;
    private final List<ChatRoom> rooms;
    private final Listener listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final long maxRemoteLineBytes;
    private final Signer verifier;

    private NatsRoomBridge(Builder b, Limits limits, String nodeId, List<Reactor> reactors, List<ChatRoom> rooms,
            Connection connection, ClusterStats stats, OriginFilter filter, String incarnation)
            throws IOException, InterruptedException {
        this.connection = connection;
        this.stats = stats;
        this.subject = SUBJECT_PREFIX + b.room;
        this.nodeId = nodeId;
        this.incarnation = incarnation;
        this.reactors = reactors;
        this.rooms = rooms;
        this.maxRemoteLineBytes = (long) b.maxLineBytes + PREFIX_ALLOWANCE_BYTES;
        this.verifier = b.key == null ? null : new Signer(b.key);
        this.outbox = new Outbox(connection, subject, nodeId, incarnation, b.key, b.maxOutboxLines,
                limits.outboxBytes, stats);
        Inbox[] inboxes = new Inbox[rooms.size()];
        for (int i = 0; i < inboxes.length; i++) {
            // Every loop gets every remote line: each loop's inbox gets its part of the bounds (at least one line).
            inboxes[i] = new Inbox(reactors.get(i), rooms.get(i), Math.max(1, b.maxInboxLines / inboxes.length),
                    Math.max(maxRemoteLineBytes, limits.inboxBytes / inboxes.length), stats);
        }
        this.dispatcher = connection.createDispatcher(msg -> receive(msg, filter, inboxes));
        // jnats' own queue between its reader and our dispatcher thread: bounded like the inboxes behind it.
        dispatcher.setPendingLimits(b.maxInboxLines, limits.inboxBytes);
        stats.natsDropped = dispatcher::getDroppedCount;
        dispatcher.subscribe(subject);
        try {
            // The subscription is known to the server once the flush returns: "started" means "hearing the room".
            connection.flush(b.connectTimeout);
        } catch (TimeoutException e) {
            throw new IOException("NATS did not confirm the subscription within " + b.connectTimeout, e);
        }
        this.listener = new Listener();
        for (int i = 0; i < rooms.size(); i++) {
            ChatRoom room = rooms.get(i);
            reactors.get(i).call(() -> {
                room.addListener(listener);
                return null;
            });
        }
    }

    /** A bridge to the NATS server at {@code url} ({@code nats://host:port}). */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    /** The NATS subject this room travels on. */
    public String subject() {
        return subject;
    }

    public String nodeId() {
        return nodeId;
    }

    /** Random per start: what tells this run's lines from those of an earlier run with the same node id. */
    public String incarnation() {
        return incarnation;
    }

    public ClusterStats stats() {
        return stats;
    }

    /** Whether the connection to NATS is up now. */
    public boolean isConnected() {
        return connection.getStatus() == Connection.Status.CONNECTED;
    }

    private void receive(Message msg, OriginFilter filter, Inbox[] inboxes) {
        Headers h = msg.getHeaders();
        byte[] body = msg.getData();
        String node = h == null ? null : h.getFirst(Envelope.NODE);
        String inc = h == null ? null : h.getFirst(Envelope.INCARNATION);
        String seqText = h == null ? null : h.getFirst(Envelope.SEQ);
        long seq = parseSeq(seqText);
        // The origin filter keeps node and incarnation as its key: a stranger's megabyte header must not be one.
        if (node == null || inc == null || seq < 1 || body == null || body.length == 0
                || body[body.length - 1] != '\n' || !Builder.isValidName(node) || !INCARNATION.matcher(inc).matches()) {
            stats.malformed.incrementAndGet();
            return;
        }
        if (node.equals(nodeId) && inc.equals(incarnation)) {
            return; // our own line (no_echo should have kept it away)
        }
        stats.received.incrementAndGet();
        if (body.length > maxRemoteLineBytes) {
            stats.droppedTooLong.incrementAndGet();
            return;
        }
        if (verifier != null) {
            // Checked before the origin filter: what a stranger sends never touches the table of origins.
            Signer.Check check = verifier.verify(h, body, System.currentTimeMillis());
            if (check == Signer.Check.BAD) {
                RareLog.warn(log, stats.badSignature.incrementAndGet(), "dropped a line with a missing or wrong "
                        + "signature (another key, or a forgery); the node it claims", node);
                return;
            }
            if (check == Signer.Check.STALE) {
                RareLog.warn(log, stats.stale.incrementAndGet(), "dropped a signed line outside the replay window "
                        + "(a replay, or a clock more than 2 minutes off); its node", node);
                return;
            }
        }
        if (filter.accept(node, inc, seq, System.nanoTime()) == OriginFilter.Verdict.NEW) {
            for (Inbox inbox : inboxes) {
                inbox.offer(body); // one array, only read from now on, shared by every loop
            }
        }
    }

    private static long parseSeq(String text) {
        if (text == null) {
            return -1;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Stops bridging: the room stops publishing, lines already queued are published (up to one second), then the
     * subscription and the connection close. Call after the reactor has closed to announce its members' leaves.
     * Idempotent; a concurrent second call waits for the first.
     */
    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // a second caller (a shutdown hook racing main) returns once the first has finished
        }
        for (int i = 0; i < rooms.size(); i++) {
            Reactor reactor = reactors.get(i);
            ChatRoom room = rooms.get(i);
            try {
                if (!reactor.isClosing()) {
                    reactor.call(() -> {
                        room.removeListener(listener);
                        return null;
                    });
                }
            } catch (IOException | RuntimeException e) {
                log.debug("could not remove the room listener: {}", e.toString());
            }
        }
        outbox.close(Duration.ofSeconds(1));
        try {
            connection.flush(Duration.ofSeconds(1));
        } catch (TimeoutException | InterruptedException | IllegalStateException e) {
            log.debug("flush on close: {}", e.toString());
        }
        try {
            connection.closeDispatcher(dispatcher);
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            log.debug("close: {}", e.toString());
        }
    }

    @Override
    public String toString() {
        return "NatsRoomBridge[" + subject + " node=" + nodeId + " incarnation=" + incarnation + ']';
    }

    /** Sees local lines on the loop thread and queues a copy for the publisher. */
    private final class Listener implements RoomListener {
        @Override
        public void onMessage(Member sender, ByteBuffer line) {
            queue(Envelope.Kind.MESSAGE, sender, line);
        }

        @Override
        public void onJoined(Member member, ByteBuffer notice) {
            queue(Envelope.Kind.JOINED, member, notice);
        }

        @Override
        public void onLeft(Member member, ByteBuffer notice) {
            queue(Envelope.Kind.LEFT, member, notice);
        }

        private void queue(Envelope.Kind kind, Member member, ByteBuffer line) {
            byte[] copy = new byte[line.remaining()];
            line.get(copy);
            outbox.offer(new Outbox.Line(kind, member.peer(), copy));
        }
    }

    /** Configuration; {@link #start} connects. */
    public static final class Builder {
        private final String url;
        private String room = DEFAULT_ROOM;
        private String nodeId;
        private int maxOutboxLines = DEFAULT_MAX_OUTBOX_LINES;
        private int maxInboxLines = DEFAULT_MAX_INBOX_LINES;
        private Long maxOutboxBytes;
        private Long maxInboxBytes;
        private int maxLineBytes = DEFAULT_MAX_LINE_BYTES;
        private ClusterKey key;
        private SSLContext sslContext;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration reconnectWait = DEFAULT_RECONNECT_WAIT;

        private Builder(String url) {
            this.url = checkUrl(url);
        }

        private static String checkUrl(String url) {
            Objects.requireNonNull(url, "url");
            if (!isValidUrl(url)) {
                throw new IllegalArgumentException("NATS url must look like nats://host:port or tls://host:port, "
                        + "optionally with user:password@ or token@ before the host; was " + redact(url));
            }
            return url;
        }

        /** Whether {@code url} is one this bridge connects to: {@code nats|tls://[user:pass@|token@]host:port}. */
        public static boolean isValidUrl(String url) {
            return url != null && URL.matcher(url).matches();
        }

        /** {@code url} with any user, password or token replaced by {@code ***}, for messages and logs. */
        public static String redact(String url) {
            if (url == null) {
                return null;
            }
            int scheme = url.indexOf("://");
            int at = url.lastIndexOf('@');
            return scheme >= 0 && at > scheme ? url.substring(0, scheme + 3) + "***" + url.substring(at) : url;
        }

        /** The room's name, one subject token ({@code [A-Za-z0-9_-]}, 1..64); default {@value #DEFAULT_ROOM}. */
        public Builder room(String name) {
            this.room = checkName("room", name);
            return this;
        }

        /** This node's id ({@code [A-Za-z0-9_-]}, 1..64); null or unset: {@code node-<pid>}. */
        public Builder nodeId(String id) {
            this.nodeId = id == null ? null : checkName("node id", id);
            return this;
        }

        public Builder maxOutboxLines(int lines) {
            this.maxOutboxLines = checkRange("maxOutboxLines", lines);
            return this;
        }

        public Builder maxInboxLines(int lines) {
            this.maxInboxLines = checkRange("maxInboxLines", lines);
            return this;
        }

        /**
         * Bytes of local lines held for NATS at most, this bridge's queue and jnats' outgoing queue together (half
         * each); default {@link #DEFAULT_MAX_OUTBOX_BYTES} or {@value #LINES_PER_BUDGET} of the longest lines.
         */
        public Builder maxOutboxBytes(long bytes) {
            this.maxOutboxBytes = checkBytes("maxOutboxBytes", bytes);
            return this;
        }

        /**
         * Bytes of remote lines waiting for the loops at most (split between the loops of a group); default
         * {@link #DEFAULT_MAX_INBOX_BYTES} or {@value #LINES_PER_BUDGET} of the longest lines.
         */
        public Builder maxInboxBytes(long bytes) {
            this.maxInboxBytes = checkBytes("maxInboxBytes", bytes);
            return this;
        }

        /**
         * The longest chat line (the chat server's frame limit); remote lines longer than this plus the sender
         * prefix are dropped and counted. Default {@value #DEFAULT_MAX_LINE_BYTES}.
         */
        public Builder maxLineBytes(int bytes) {
            if (bytes < 1 || bytes > 64 * 1024 * 1024) {
                throw new IllegalArgumentException("maxLineBytes must be in 1..64MiB, was " + bytes);
            }
            this.maxLineBytes = bytes;
            return this;
        }

        /**
         * Signs every line published and drops every line received that is not signed with the same key, or whose
         * signed time is more than {@link Signer#REPLAY_WINDOW two minutes} away from ours (a replay). Null: no
         * signing (the default): anyone who can publish on the subject can speak in the room.
         */
        public Builder key(ClusterKey key) {
            this.key = key;
            return this;
        }

        /**
         * The TLS context for a {@code tls://} url (for example one trusting a private CA); unset, jnats uses the
         * JVM's default ({@code javax.net.ssl.trustStore}).
         */
        public Builder sslContext(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = checkPositive("connectTimeout", timeout);
            return this;
        }

        /** Pause between reconnect attempts (jnats adds jitter); default 500 ms. */
        public Builder reconnectWait(Duration wait) {
            this.reconnectWait = checkPositive("reconnectWait", wait);
            return this;
        }

        /** Whether {@code name} is a valid room name or node id. */
        public static boolean isValidName(String name) {
            return name != null && NAME.matcher(name).matches();
        }

        private static String checkName(String what, String name) {
            if (!isValidName(name)) {
                throw new IllegalArgumentException(what + " must be 1..64 of [A-Za-z0-9_-], was " + name);
            }
            return name;
        }

        private static int checkRange(String what, int lines) {
            if (lines < 1 || lines > 10_000_000) {
                throw new IllegalArgumentException(what + " must be in 1..10000000, was " + lines);
            }
            return lines;
        }

        private static long checkBytes(String what, long bytes) {
            if (bytes < 64 * 1024 || bytes > (1L << 40)) {
                throw new IllegalArgumentException(what + " must be in 64KiB..1TiB, was " + bytes);
            }
            return bytes;
        }

        /** The byte bounds, defaults grown to the line limit, each checked to hold a few of the longest lines. */
        private Limits limits() {
            long longest = (long) maxLineBytes + PREFIX_ALLOWANCE_BYTES;
            long outbox = maxOutboxBytes != null ? maxOutboxBytes
                    : Math.max(DEFAULT_MAX_OUTBOX_BYTES, 2 * LINES_PER_BUDGET * longest);
            long inbox = maxInboxBytes != null ? maxInboxBytes
                    : Math.max(DEFAULT_MAX_INBOX_BYTES, LINES_PER_BUDGET * longest);
            if (Outbox.natsShare(outbox) < longest) {
                throw new IllegalArgumentException("maxOutboxBytes " + outbox + " cannot hold a line of " + longest
                        + " bytes (each half of it must): raise it to at least " + 2 * longest);
            }
            if (inbox < longest) {
                throw new IllegalArgumentException("maxInboxBytes " + inbox + " cannot hold a line of " + longest
                        + " bytes: raise it to at least " + longest);
            }
            return new Limits(outbox, inbox);
        }

        private static Duration checkPositive(String what, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }

        /**
         * Connects to NATS, subscribes, and starts bridging {@code room} (whose members live on {@code reactor}).
         * Blocks until subscribed; not on the loop thread.
         *
         * @throws IOException if NATS cannot be reached within the connect timeout
         */
        public NatsRoomBridge start(Reactor reactor, ChatRoom room) throws IOException, InterruptedException {
            return start(List.of(reactor), List.of(room));
        }

        /**
         * As {@link #start(Reactor, ChatRoom)} for a room spread over the loops of a {@link ReactorGroup}: every
         * loop's part publishes its own members' lines, and remote lines are handed to every loop.
         */
        public NatsRoomBridge start(ReactorGroup group, GroupRoom room) throws IOException, InterruptedException {
            List<ChatRoom> parts = new ArrayList<>();
            for (int i = 0; i < room.loops(); i++) {
                parts.add(room.room(i));
            }
            return start(group.reactors(), parts);
        }

        private NatsRoomBridge start(List<Reactor> reactors, List<ChatRoom> rooms)
                throws IOException, InterruptedException {
            if (reactors.size() != rooms.size()) {
                throw new IllegalArgumentException(reactors.size() + " loops for " + rooms.size() + " room parts");
            }
            for (Reactor reactor : reactors) {
                if (reactor.inLoop()) {
                    throw new IllegalStateException("start blocks: call it off the loop thread");
                }
            }
            Limits limits = limits();
            String node = nodeId != null ? nodeId : "node-" + ProcessHandle.current().pid();
            String incarnation = Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
            ClusterStats stats = new ClusterStats();
            OriginFilter filter = new OriginFilter(stats);
            ConnectionLog connectionLog = new ConnectionLog(node, filter);
            Options.Builder options = Options.builder()
                    .server(url)
                    .connectionName("loopwire-" + node)
                    .noEcho()
                    .maxReconnects(-1)
                    .reconnectWait(reconnectWait)
                    .connectionTimeout(connectTimeout)
                    // jnats' buffers count towards the outbound bound: its outgoing queue in lines here (in bytes by
                    // the publisher), and the reconnect buffer within the same share.
                    .maxMessagesInOutgoingQueue(maxOutboxLines)
                    .reconnectBufferSize(Math.min(RECONNECT_BUFFER_BYTES, Outbox.natsShare(limits.outboxBytes)))
                    .discardMessagesWhenOutgoingQueueFull()
                    .connectionListener(connectionLog)
                    .errorListener(new ErrorCount(stats));
            if (sslContext != null) {
                options.sslContext(sslContext);
            }
            Connection connection;
            try {
                connection = Nats.connect(options.build());
                connectionLog.established = true;
            } catch (IOException e) {
                throw new IOException("cannot connect to NATS at " + redact(url) + ": " + e.getMessage(), e);
            }
            try {
                return new NatsRoomBridge(this, limits, node, List.copyOf(reactors), List.copyOf(rooms), connection,
                        stats, filter, incarnation);
            } catch (IOException | RuntimeException | InterruptedException e) {
                connection.close();
                throw e;
            }
        }
    }

    /** The byte bounds as resolved at start. */
    private record Limits(long outboxBytes, long inboxBytes) {
    }

    /** Logs connection changes once each (not per message); a reconnect lets origins' sequences jump. */
    private static final class ConnectionLog implements ConnectionListener {
        private final String node;
        private final OriginFilter filter;
        /**
         * Set once the first connect succeeded: jnats reports DISCONNECTED while a first connect fails, and "lost
         * NATS" then would contradict the start's own error (it cannot connect at all).
         */
        volatile boolean established;

        ConnectionLog(String node, OriginFilter filter) {
            this.node = node;
            this.filter = filter;
        }

        // jnats 2.25 deprecates this method in favour of a default overload, yet it is the one left abstract.
        @Override
        @SuppressWarnings("deprecation")
        public void connectionEvent(Connection conn, Events type) {
            switch (type) {
                case DISCONNECTED -> {
                    if (established) {
                        log.warn("node {}: lost NATS; the local room goes on, remote lines pause", node);
                    } else {
                        log.debug("node {}: NATS disconnected while connecting", node);
                    }
                }
                case RECONNECTED -> {
                    filter.resync(); // lines published meanwhile are lost to us: sequences may jump far
                    log.info("node {}: NATS is back; bridging resumes", node);
                }
                case CLOSED -> log.debug("node {}: NATS connection closed", node);
                default -> log.debug("node {}: NATS {}", node, type);
            }
        }
    }

    /** Counts what jnats discards by itself (its outgoing queue full). */
    private static final class ErrorCount implements ErrorListener {
        private final ClusterStats stats;
        // Only for spacing the log lines: what was lost is counted in ClusterStats.
        private final AtomicLong errors = new AtomicLong();
        private final AtomicLong slowConsumer = new AtomicLong();

        ErrorCount(ClusterStats stats) {
            this.stats = stats;
        }

        @Override
        public void messageDiscarded(Connection conn, Message msg) {
            stats.droppedDisconnected.incrementAndGet();
        }

        @Override
        public void errorOccurred(Connection conn, String error) {
            RareLog.warn(log, errors.incrementAndGet(), "NATS error", error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception e) {
            log.debug("NATS connection: {}", e.toString());
        }

        @Override
        public void slowConsumerDetected(Connection conn, Consumer consumer) {
            // No resync here: the origin filter allows jumps as large as jnats' own count of what it dropped.
            RareLog.warn(log, slowConsumer.incrementAndGet(), "jnats is dropping remote lines (we read too slowly)",
                    "see loopwire_cluster_dropped_total{reason=\"nats_pending\"}");
        }
    }
}
