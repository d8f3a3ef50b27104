package io.loopwire.tcp;

import io.loopwire.IoHandler;
import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.codec.Framer;
import io.loopwire.codec.LineFramer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening TCP socket on a {@link Reactor}: accepts connections and serves each as a {@link TcpConnection} with
 * the configured {@link Framer} and {@link TcpHandler}.
 *
 * <pre>{@code
 * TcpServer server = TcpServer.builder(reactor)
 *         .bind(new InetSocketAddress("127.0.0.1", 0))
 *         .handler((connection, frame) -> connection.send(copyOf(frame)))
 *         .start();
 * }</pre>
 *
 * @implNote {@link #localAddress()}, {@link #close()} and the builder are thread-safe; {@link #stats()} and
 *     {@link #forEachConnection} belong to the reactor thread.
 */
public final class TcpServer implements IoHandler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpServer.class);

    public static final int DEFAULT_MAX_FRAME_BYTES = 65536;
    public static final long DEFAULT_MAX_OUTBOUND_BYTES = 1024 * 1024;
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(2);
    /** Accepts per wake-up at most, so a connection storm cannot starve established connections. */
    private static final int MAX_ACCEPTS_PER_WAKEUP = 64;
    private static final Duration MIN_ACCEPT_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_ACCEPT_BACKOFF = Duration.ofSeconds(1);

    private final Reactor reactor;
    private final ServerSocketChannel serverChannel;
    private final InetSocketAddress localAddress;
    private final TcpHandler handler;
    private final Framer framer;
    private final long maxOutboundBytes;
    private final long highWaterBytes;
    private final OverflowPolicy overflowPolicy;
    private final long idleTimeoutNanos;
    private final Duration closeTimeout;
    private final boolean tcpNoDelay;
    final TcpStats stats = new TcpStats();

    private SelectionKey acceptKey;
    private Duration acceptBackoff = MIN_ACCEPT_BACKOFF;
    private Timeout idleCheck;
    private TcpConnection first;
    private boolean closed;

    private TcpServer(Builder b, ServerSocketChannel serverChannel) throws IOException {
        this.reactor = b.reactor;
        this.serverChannel = serverChannel;
        this.localAddress = (InetSocketAddress) serverChannel.getLocalAddress();
        this.handler = b.handler;
        this.framer = b.framer;
        this.maxOutboundBytes = b.maxOutboundBytes;
        this.highWaterBytes = b.maxOutboundBytes / 2;
        this.overflowPolicy = b.overflowPolicy;
        this.idleTimeoutNanos = b.idleTimeout.toNanos();
        this.closeTimeout = b.closeTimeout;
        this.tcpNoDelay = b.tcpNoDelay;
    }

    /** Starts configuring a server on {@code reactor}. */
    public static Builder builder(Reactor reactor) {
        return new Builder(reactor);
    }

    /** The bound address, with the real port when port 0 was asked. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** This server's counters. Reactor thread only. */
    public TcpStats stats() {
        return stats;
    }

    /** Calls {@code action} for every open connection. Reactor thread only; the action may close connections. */
    public void forEachConnection(java.util.function.Consumer<TcpConnection> action) {
        assert reactor.inLoop() : "forEachConnection off the loop thread";
        TcpConnection c = first;
        while (c != null) {
            TcpConnection next = c.next;
            action.accept(c);
            c = next;
        }
    }

    Reactor reactor() {
        return reactor;
    }

    TcpHandler handler() {
        return handler;
    }

    Framer framer() {
        return framer;
    }

    long maxOutboundBytes() {
        return maxOutboundBytes;
    }

    long highWaterBytes() {
        return highWaterBytes;
    }

    OverflowPolicy overflowPolicy() {
        return overflowPolicy;
    }

    long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    Duration closeTimeout() {
        return closeTimeout;
    }

    private void register() throws IOException {
        acceptKey = reactor.register(serverChannel, SelectionKey.OP_ACCEPT, this);
        if (idleTimeoutNanos > 0) {
            Duration every = Duration.ofNanos(Math.max(idleTimeoutNanos / 4, Duration.ofMillis(10).toNanos()));
            idleCheck = reactor.scheduleAtFixedRate(every, every, this::closeIdleConnections);
        }
    }

    @Override
    public void onReady(SelectionKey key) {
        for (int i = 0; i < MAX_ACCEPTS_PER_WAKEUP; i++) {
            SocketChannel channel;
            try {
                channel = serverChannel.accept();
            } catch (IOException e) {
                pauseAccepting(e);
                return;
            }
            if (channel == null) {
                acceptBackoff = MIN_ACCEPT_BACKOFF;
                return;
            }
            accepted(channel);
        }
    }

    /**
     * Out of file descriptors (EMFILE/ENFILE) the listening socket stays readable and accept keeps failing: stop
     * watching it for a while instead of spinning. See https://github.com/netty/netty/issues/327.
     */
    private void pauseAccepting(IOException e) {
        stats.acceptErrors++;
        log.warn("accept on {} failed ({}); pausing accepts for {} ms", localAddress, e.getMessage(),
                acceptBackoff.toMillis());
        acceptKey.interestOps(0);
        reactor.schedule(acceptBackoff, () -> {
            if (!closed && acceptKey.isValid()) {
                acceptKey.interestOps(SelectionKey.OP_ACCEPT);
            }
        });
        Duration doubled = acceptBackoff.multipliedBy(2);
        acceptBackoff = doubled.compareTo(MAX_ACCEPT_BACKOFF) > 0 ? MAX_ACCEPT_BACKOFF : doubled;
    }

    private void accepted(SocketChannel channel) {
        TcpConnection connection;
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, tcpNoDelay);
            connection = new TcpConnection(this, channel, (InetSocketAddress) channel.getRemoteAddress());
            connection.registered(reactor.register(channel, SelectionKey.OP_READ, connection));
        } catch (IOException e) {
            log.debug("dropping a connection that failed during set-up: {}", e.toString());
            closeQuietly(channel);
            return;
        }
        stats.accepted++;
        stats.open++;
        connection.next = first;
        if (first != null) {
            first.prev = connection;
        }
        first = connection;
        try {
            handler.onConnected(connection);
        } catch (RuntimeException e) {
            connection.fail(e);
        }
    }

    void connectionClosed(TcpConnection connection, CloseReason reason) {
        stats.open--;
        stats.closedByReason[reason.ordinal()]++;
        if (connection.prev != null) {
            connection.prev.next = connection.next;
        } else {
            first = connection.next;
        }
        if (connection.next != null) {
            connection.next.prev = connection.prev;
        }
        connection.prev = null;
        connection.next = null;
        try {
            handler.onClosed(connection, reason);
        } catch (RuntimeException e) {
            log.warn("onClosed failed for {}", connection.peer(), e);
        }
    }

    private void closeIdleConnections() {
        long now = System.nanoTime();
        forEachConnection(c -> {
            if (c.isOpen() && now - c.lastReadNanos > idleTimeoutNanos) {
                c.closeAfter(null, CloseReason.IDLE_TIMEOUT);
            }
        });
    }

    /** Stops accepting and closes every connection now. Waits for the reactor when called from another thread. */
    @Override
    public void close() {
        try {
            reactor.call(() -> {
                closeNow(CloseReason.LOCAL);
                return null;
            });
        } catch (IOException e) {
            log.warn("closing the server on {} failed", localAddress, e);
        } catch (RejectedExecutionException reactorClosed) {
            // nothing to do: the reactor closed every channel when it stopped
        }
    }

    private void closeNow(CloseReason reason) {
        stopAccepting();
        while (first != null) {
            first.close(reason);
        }
    }

    private void stopAccepting() {
        if (closed) {
            return;
        }
        closed = true;
        if (idleCheck != null) {
            idleCheck.cancel();
        }
        if (acceptKey != null) {
            acceptKey.cancel();
        }
        closeQuietly(serverChannel);
    }

    @Override
    public void fail(Throwable cause) {
        log.error("listening socket {} failed; no longer accepting", localAddress, cause);
        stopAccepting();
    }

    @Override
    public boolean drainForShutdown() {
        stopAccepting();
        return true;
    }

    @Override
    public void closeForShutdown() {
        stopAccepting();
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do for a channel we are discarding
        }
    }

    @Override
    public String toString() {
        return "TcpServer[" + localAddress + ']';
    }

    /** Configuration of a {@link TcpServer}; every size and time has a documented default. */
    public static final class Builder {
        private final Reactor reactor;
        private InetSocketAddress bindAddress = new InetSocketAddress("127.0.0.1", 0);
        private TcpHandler handler;
        private Framer framer = new LineFramer(DEFAULT_MAX_FRAME_BYTES);
        private long maxOutboundBytes = DEFAULT_MAX_OUTBOUND_BYTES;
        private OverflowPolicy overflowPolicy = OverflowPolicy.DISCONNECT;
        private Duration idleTimeout = Duration.ZERO;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private boolean tcpNoDelay = true;
        private int backlog = 1024;

        private Builder(Reactor reactor) {
            this.reactor = Objects.requireNonNull(reactor, "reactor");
        }

        /** Where to listen; default {@code 127.0.0.1:0} (loopback, any free port). */
        public Builder bind(InetSocketAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The callbacks; required. */
        public Builder handler(TcpHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** How the byte stream is cut into frames; default {@code new LineFramer(65536)}. */
        public Builder framer(Framer framer) {
            this.framer = Objects.requireNonNull(framer, "framer");
            return this;
        }

        /** Bytes queued per connection at most (default 1 MiB); what happens beyond is {@link #overflowPolicy}. */
        public Builder maxOutboundBytes(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxOutboundBytes must be at least 1024, was " + bytes);
            }
            this.maxOutboundBytes = bytes;
            return this;
        }

        /** What to do when a peer's outbound queue is full; default {@link OverflowPolicy#DISCONNECT}. */
        public Builder overflowPolicy(OverflowPolicy policy) {
            this.overflowPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Close connections that sent nothing for this long; {@link Duration#ZERO} (the default) turns it off. */
        public Builder idleTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout must not be negative, was " + timeout);
            }
            this.idleTimeout = timeout;
            return this;
        }

        /** How long a graceful close may take (flush, then wait for the peer's FIN); default 2 s. */
        public Builder closeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("closeTimeout must be positive, was " + timeout);
            }
            this.closeTimeout = timeout;
            return this;
        }

        /** Disable Nagle's algorithm on accepted sockets; default {@code true}. */
        public Builder tcpNoDelay(boolean noDelay) {
            this.tcpNoDelay = noDelay;
            return this;
        }

        /** The listen backlog; default 1024 (the kernel may cap it). */
        public Builder backlog(int backlog) {
            if (backlog < 1) {
                throw new IllegalArgumentException("backlog must be positive, was " + backlog);
            }
            this.backlog = backlog;
            return this;
        }

        /**
         * Binds and starts accepting on the reactor.
         *
         * @throws java.net.BindException if the address is in use
         */
        public TcpServer start() throws IOException {
            if (handler == null) {
                throw new IllegalStateException("a TcpHandler is required");
            }
            ServerSocketChannel channel = ServerSocketChannel.open();
            try {
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.bind(bindAddress, backlog);
                channel.configureBlocking(false);
                TcpServer server = new TcpServer(this, channel);
                reactor.call(() -> {
                    server.register();
                    return null;
                });
                return server;
            } catch (IOException | RuntimeException e) {
                closeQuietly(channel);
                throw e;
            }
        }
    }
}
