package io.loopwire.tcp;

import io.loopwire.Reactor;
import io.loopwire.loop.IoHandler;
import io.loopwire.loop.LoopAccess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening TCP socket on a {@link Reactor}: accepts connections and serves each as a {@link TcpConnection} with
 * the configured {@link io.loopwire.codec.Framer} and {@link TcpHandler}.
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
public final class TcpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpServer.class);

    public static final int DEFAULT_MAX_FRAME_BYTES = ConnectionOptions.DEFAULT_MAX_FRAME_BYTES;
    public static final long DEFAULT_CARRY_BUDGET_BYTES = ConnectionOptions.DEFAULT_CARRY_BUDGET_BYTES;
    public static final long DEFAULT_MAX_OUTBOUND_BYTES = ConnectionOptions.DEFAULT_MAX_OUTBOUND_BYTES;
    /** Accepts per wake-up at most, so a connection storm cannot starve established connections. */
    private static final int MAX_ACCEPTS_PER_WAKEUP = 64;
    private static final Duration MIN_ACCEPT_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_ACCEPT_BACKOFF = Duration.ofSeconds(1);

    private final Reactor reactor;
    private final ServerSocketChannel serverChannel;
    private final InetSocketAddress localAddress;
    private final ConnectionGroup connections;
    /** Null: this listener serves what it accepts. */
    private final Placement placement;
    private final int loopIndex;

    private SelectionKey acceptKey;
    private Duration acceptBackoff = MIN_ACCEPT_BACKOFF;
    private boolean closed;

    private TcpServer(Builder b, ServerSocketChannel serverChannel) throws IOException {
        this.reactor = b.reactor;
        this.serverChannel = serverChannel;
        this.localAddress = (InetSocketAddress) serverChannel.getLocalAddress();
        this.connections = new ConnectionGroup(b);
        this.placement = b.placement;
        this.loopIndex = b.placementLoop;
        if (placement != null) {
            connections.placedBy(placement, loopIndex);
        }
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
        return connections.stats;
    }

    /** Calls {@code action} for every open connection. Reactor thread only; the action may close connections. */
    public void forEachConnection(Consumer<TcpConnection> action) {
        assert reactor.inLoop() : "forEachConnection off the loop thread";
        connections.forEach(action);
    }

    private void register() throws IOException {
        acceptKey = LoopAccess.of(reactor).register(serverChannel, SelectionKey.OP_ACCEPT, new Acceptor());
        connections.startTimers();
        if (placement != null) {
            placement.join(loopIndex, localAddress.getPort(), this);
        }
    }

    private void acceptReady() {
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
            if (placement == null) {
                connections.adopt(channel);
                continue;
            }
            int loop = placement.place(loopIndex, localAddress.getPort());
            if (loop == loopIndex) {
                adoptPlaced(channel);
            } else {
                placement.listener(loop, localAddress.getPort()).handOver(channel);
            }
        }
    }

    private void adoptPlaced(SocketChannel channel) {
        if (connections.adopt(channel) == null) {
            placement.closed(loopIndex);
        }
    }

    /** From another loop's listener: serve {@code channel}, accepted there and placed here, not read from yet. */
    private void handOver(SocketChannel channel) {
        placement.handedOver();
        try {
            reactor.execute(() -> {
                if (closed) {
                    closeQuietly(channel);
                    placement.closed(loopIndex);
                } else {
                    adoptPlaced(channel);
                }
            });
        } catch (RejectedExecutionException e) { // this loop is closing
            closeQuietly(channel);
            placement.closed(loopIndex);
        }
    }

    /**
     * Out of file descriptors (EMFILE/ENFILE) the listening socket stays readable and accept keeps failing: stop
     * watching it for a while instead of spinning. See https://github.com/netty/netty/issues/327.
     */
    private void pauseAccepting(IOException e) {
        connections.stats.acceptErrors++;
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

    /** Stops accepting and closes every connection now. Waits for the reactor when called from another thread. */
    @Override
    public void close() {
        try {
            reactor.call(() -> {
                closeNow(CloseReason.LOCAL);
                return null;
            });
        } catch (IOException e) {
            if (!reactor.isClosing()) { // a closed reactor has closed every channel already
                log.warn("closing the server on {} failed", localAddress, e);
            }
        }
    }

    private void closeNow(CloseReason reason) {
        stopAccepting();
        connections.closeAll(reason);
    }

    private void stopAccepting() {
        if (closed) {
            return;
        }
        closed = true;
        if (acceptKey != null) {
            acceptKey.cancel();
        }
        closeQuietly(serverChannel);
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

    /** The listening socket's callbacks (private, so they never show on the public type). */
    private final class Acceptor implements IoHandler {
        @Override
        public void onReady(SelectionKey key) {
            acceptReady();
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
    }

    /** Configuration of a {@link TcpServer}: where to listen, plus the {@link ConnectionOptions}. */
    public static final class Builder extends ConnectionOptions<Builder> {
        private InetSocketAddress bindAddress = new InetSocketAddress("127.0.0.1", 0);
        private int backlog = 1024;
        private boolean reusePort;
        private Placement placement;
        private int placementLoop;

        private Builder(Reactor reactor) {
            super(reactor);
        }

        /** Where to listen; default {@code 127.0.0.1:0} (loopback, any free port). */
        public Builder bind(InetSocketAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
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
         * Sets {@code SO_REUSEPORT}, so that one listener per loop can bind the same address and the kernel spreads
         * new connections over them (Linux hashes the 4-tuple). Default off.
         *
         * @throws UnsupportedOperationException at {@link #start} if the platform has no {@code SO_REUSEPORT}
         */
        public Builder reusePort(boolean reuse) {
            this.reusePort = reuse;
            return this;
        }

        /**
         * Makes this listener loop {@code loop}'s member of {@code placement}: connections it accepts are served by
         * the loop the placement picks (handed over before a byte is read), and it serves those the other members
         * place here. For one listener per loop on one port, with {@link #reusePort}. Default: none, this listener
         * serves what it accepts.
         */
        public Builder placement(Placement placement, int loop) {
            Objects.requireNonNull(placement, "placement");
            if (loop < 0 || loop >= placement.loops()) {
                throw new IllegalArgumentException("loop must be in 0.." + (placement.loops() - 1) + ", was " + loop);
            }
            this.placement = placement;
            this.placementLoop = loop;
            return this;
        }

        /**
         * Binds and starts accepting on the reactor.
         *
         * @throws java.net.BindException if the address is in use
         */
        public TcpServer start() throws IOException {
            requireHandler();
            requireTlsSide(false);
            ServerSocketChannel channel = ServerSocketChannel.open();
            try {
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                if (reusePort) {
                    channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
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
