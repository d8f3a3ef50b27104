package io.loopwire.tcp;

import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.codec.Framer;
import io.loopwire.loop.Loop;
import io.loopwire.loop.LoopAccess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of one {@link TcpServer} or {@link TcpClient}: their settings, counters and an intrusive list (no
 * allocation per connection beyond the connection itself), and the idle sweep.
 *
 * @implNote Reactor thread only.
 */
final class ConnectionGroup {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGroup.class);

    final Reactor reactor;
    final Loop loop;
    final TcpHandler handler;
    final Framer framer;
    final long maxOutboundBytes;
    final long highWaterBytes;
    final OverflowPolicy overflowPolicy;
    final long idleTimeoutNanos;
    final Duration closeTimeout;
    final boolean tcpNoDelay;
    final int sendBufferBytes;
    final int receiveBufferBytes;
    final TcpStats stats = new TcpStats();
    /** TLS for every connection of the group, or null for plaintext. */
    final TlsShared tls;
    final SlotPool slotPool = new SlotPool();
    final CarryBuffers carryBuffers = new CarryBuffers(stats);
    final int maxFramesPerTurn;
    final int maxReadsPerTurn;
    final long carryBudgetBytes;
    /** The most a carry buffer holds: an unfinished frame plus one read left for the next turn. */
    final int maxCarryBytes;

    /** How often queue storage borrowed by connections that went quiet is given back. */
    private static final Duration TRIM_EVERY = Duration.ofSeconds(1);

    /** Linked here, not at the first timer run: a method reference's first evaluation costs ~45 KB on the loop. */
    private final Consumer<TcpConnection> trimQueue = TcpConnection::trimQueue;
    private TcpConnection first;
    /** Told of every close, with this group's loop, when the server's listener is part of a {@link Placement}. */
    private Placement placement;
    private int placementLoop;
    private Timeout idleCheck;
    private Timeout trim;

    ConnectionGroup(ConnectionOptions<?> options) {
        options.requireHandler();
        this.reactor = options.reactor;
        this.loop = LoopAccess.of(reactor);
        this.handler = options.handler;
        this.framer = options.framer;
        this.maxOutboundBytes = options.maxOutboundBytes;
        this.highWaterBytes = options.maxOutboundBytes / 2;
        this.overflowPolicy = options.overflowPolicy;
        this.idleTimeoutNanos = options.idleTimeout.toNanos();
        this.closeTimeout = options.closeTimeout;
        this.tcpNoDelay = options.tcpNoDelay;
        this.sendBufferBytes = options.sendBufferBytes;
        this.receiveBufferBytes = options.receiveBufferBytes;
        this.maxFramesPerTurn = options.maxFramesPerTurn;
        this.maxReadsPerTurn = options.maxReadsPerTurn;
        this.carryBudgetBytes = options.carryBudgetBytes;
        this.tls = options.tls == null ? null : new TlsShared(options.tls);
        this.maxCarryBytes = (int) Math.min(Integer.MAX_VALUE - 8,
                (long) framer.maxFrameBytes() + framer.maxOverheadBytes() + Reactor.READ_BUFFER_BYTES);
    }

    /**
     * Called after a carry buffer grew: while the group holds more than its budget, closes the connection holding
     * the most. Linear in the number of connections, but runs only when the budget is exceeded, which a
     * well-behaved set of peers never does.
     */
    void enforceCarryBudget() {
        while (carryBuffers.lentBytes() > carryBudgetBytes) {
            TcpConnection largest = null;
            for (TcpConnection c = first; c != null; c = c.nextInGroup()) {
                if (largest == null || c.carriedCapacity() > largest.carriedCapacity()) {
                    largest = c;
                }
            }
            if (largest == null || largest.carriedCapacity() == 0) {
                return;
            }
            log.warn("closing {}: connections hold {} bytes of unfinished input, over the carry budget of {}; "
                    + "this one held the most ({} bytes)", largest.peer(), carryBuffers.lentBytes(),
                    carryBudgetBytes, largest.carriedCapacity());
            largest.close(CloseReason.MEMORY_BUDGET);
        }
    }

    /** Starts the periodic work: queue trimming, and the idle sweep if an idle timeout is set. */
    void startTimers() {
        if (trim == null) {
            trim = reactor.scheduleAtFixedRate(TRIM_EVERY, TRIM_EVERY, () -> forEach(trimQueue));
        }
        if (idleTimeoutNanos > 0 && idleCheck == null) {
            Duration every = Duration.ofNanos(Math.max(idleTimeoutNanos / 4, Duration.ofMillis(10).toNanos()));
            idleCheck = reactor.scheduleAtFixedRate(every, every, this::closeIdleConnections);
        }
    }

    void placedBy(Placement placement, int loop) {
        this.placement = placement;
        this.placementLoop = loop;
    }

    /**
     * Serves a connected channel: configures it, registers it and tells the handler. Returns null (and closes the
     * channel) if set-up failed.
     */
    TcpConnection adopt(SocketChannel channel) {
        return adopt(channel, null, null);
    }

    /**
     * As {@link #adopt(SocketChannel)} for a client: {@code tlsPeer} is the name a TLS client verifies (null: the
     * address), {@code result} completes when the connection is announced (after the TLS handshake).
     */
    TcpConnection adopt(SocketChannel channel, InetSocketAddress tlsPeer, CompletableFuture<TcpConnection> result) {
        TcpConnection connection;
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, tcpNoDelay);
            if (sendBufferBytes > 0) {
                channel.setOption(StandardSocketOptions.SO_SNDBUF, sendBufferBytes);
            }
            if (receiveBufferBytes > 0) {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferBytes);
            }
            connection = new TcpConnection(this, channel, (InetSocketAddress) channel.getRemoteAddress(), tlsPeer);
            connection.registered(loop.register(channel, SelectionKey.OP_READ, connection.ioHandler()));
        } catch (IOException | RuntimeException e) {
            log.debug("dropping a connection that failed during set-up: {}", e.toString());
            try {
                channel.close();
            } catch (IOException ignored) {
                // discarded anyway
            }
            return null;
        }
        stats.accepted++;
        stats.open++;
        connection.linkBefore(first);
        first = connection;
        connection.start(result);
        return connection;
    }

    void connectionClosed(TcpConnection connection, CloseReason reason) {
        stats.open--;
        stats.closedByReason[reason.ordinal()]++;
        if (placement != null) {
            placement.closed(placementLoop);
        }
        TcpConnection after = connection.unlink();
        if (first == connection) {
            first = after;
        }
        if (!connection.announced()) {
            return; // a TLS connection that never finished its handshake: the handler never heard of it
        }
        try {
            handler.onClosed(connection, reason);
        } catch (RuntimeException e) {
            log.warn("onClosed failed for {}", connection.peer(), e);
        }
    }

    /** Calls {@code action} for every open connection; the action may close connections. */
    void forEach(Consumer<TcpConnection> action) {
        TcpConnection c = first;
        while (c != null) {
            TcpConnection next = c.nextInGroup();
            action.accept(c);
            c = next;
        }
    }

    private void closeIdleConnections() {
        long now = System.nanoTime();
        forEach(c -> {
            if (c.isOpen() && now - c.lastReadNanos() > idleTimeoutNanos) {
                c.closeAfter(null, CloseReason.IDLE_TIMEOUT);
            }
        });
    }

    /** Stops the idle sweep and closes every connection now. */
    void closeAll(CloseReason reason) {
        if (idleCheck != null) {
            idleCheck.cancel();
        }
        if (trim != null) {
            trim.cancel();
        }
        while (first != null) {
            first.close(reason);
        }
    }
}
