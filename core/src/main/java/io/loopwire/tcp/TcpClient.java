package io.loopwire.tcp;

import io.loopwire.Reactor;
import io.loopwire.Timeout;
import io.loopwire.loop.IoHandler;
import io.loopwire.loop.LoopAccess;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Outgoing TCP connections on a {@link Reactor}, served exactly like a {@link TcpServer}'s: same framing, queues,
 * limits and {@link TcpHandler} callbacks. Connecting never blocks the loop.
 *
 * <pre>{@code
 * TcpClient client = TcpClient.builder(reactor).handler(handler).build();
 * client.connect(new InetSocketAddress("127.0.0.1", 12345)).thenAccept(c -> ...);
 * }</pre>
 *
 * @implNote {@link #connect} and {@link #close()} are thread-safe; {@link #stats()} and {@link #forEachConnection}
 *     belong to the reactor thread.
 */
public final class TcpClient implements AutoCloseable {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final Reactor reactor;
    private final ConnectionGroup connections;
    private final Duration connectTimeout;

    private TcpClient(Builder b) {
        this.reactor = b.reactor;
        this.connections = new ConnectionGroup(b);
        this.connectTimeout = b.connectTimeout;
    }

    public static Builder builder(Reactor reactor) {
        return new Builder(reactor);
    }

    /**
     * Connects to {@code remote}. The future completes on the reactor thread, after
     * {@link TcpHandler#onConnected}, or fails with the connect error (or a {@link ConnectException} on timeout).
     * With TLS it completes after the handshake, which verifies that the server's certificate names
     * {@code remote}'s host string (make the address with the host name, not an IP, unless the certificate names
     * the IP), or fails with an {@link javax.net.ssl.SSLHandshakeException}.
     */
    public CompletableFuture<TcpConnection> connect(InetSocketAddress remote) {
        Objects.requireNonNull(remote, "remote");
        CompletableFuture<TcpConnection> result = new CompletableFuture<>();
        Runnable start = () -> {
            try {
                startConnect(remote, result);
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        };
        if (reactor.inLoop()) {
            start.run();
        } else {
            reactor.execute(start);
        }
        return result;
    }

    private void startConnect(InetSocketAddress remote, CompletableFuture<TcpConnection> result) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.configureBlocking(false);
            if (channel.connect(remote)) {
                complete(channel, remote, result);
                return;
            }
            Connector connector = new Connector(channel, remote, result);
            connector.key = LoopAccess.of(reactor).register(channel, SelectionKey.OP_CONNECT, connector);
            connector.timeout = reactor.schedule(connectTimeout, connector::timedOut);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private void complete(SocketChannel channel, InetSocketAddress remote, CompletableFuture<TcpConnection> result) {
        // The connection completes the result once announced (with TLS, after the handshake; failed if it fails).
        if (connections.adopt(channel, remote, result) == null) {
            result.completeExceptionally(new IOException("connection set-up failed"));
        }
    }

    /** These connections' counters. Reactor thread only. */
    public TcpStats stats() {
        return connections.stats;
    }

    /** Calls {@code action} for every open connection. Reactor thread only; the action may close connections. */
    public void forEachConnection(Consumer<TcpConnection> action) {
        assert reactor.inLoop() : "forEachConnection off the loop thread";
        connections.forEach(action);
    }

    /** Closes every connection now. Waits for the reactor when called from another thread. */
    @Override
    public void close() {
        try {
            reactor.call(() -> {
                connections.closeAll(CloseReason.LOCAL);
                return null;
            });
        } catch (IOException e) {
            // the reactor is gone, and its channels with it
        }
    }

    /** Waits for {@code OP_CONNECT}, then hands the channel to the connection group. */
    private final class Connector implements IoHandler {
        private final SocketChannel channel;
        private final InetSocketAddress remote;
        private final CompletableFuture<TcpConnection> result;
        SelectionKey key;
        Timeout timeout;

        Connector(SocketChannel channel, InetSocketAddress remote, CompletableFuture<TcpConnection> result) {
            this.channel = channel;
            this.remote = remote;
            this.result = result;
        }

        @Override
        public void onReady(SelectionKey key) throws IOException {
            if (!channel.finishConnect()) {
                return;
            }
            timeout.cancel();
            key.interestOps(0);
            complete(channel, remote, result); // re-registers the same key with the connection as attachment
        }

        void timedOut() {
            if (!result.isDone()) {
                fail(new ConnectException("connect to " + remote + " timed out after " + connectTimeout));
            }
        }

        @Override
        public void fail(Throwable cause) {
            if (timeout != null) {
                timeout.cancel();
            }
            key.cancel();
            try {
                channel.close();
            } catch (IOException ignored) {
                // failing anyway
            }
            result.completeExceptionally(cause);
        }

        @Override
        public boolean drainForShutdown() {
            return true;
        }

        @Override
        public void closeForShutdown() {
            fail(new ConnectException("reactor closed while connecting to " + remote));
        }
    }

    /** Configuration of a {@link TcpClient}: the connect timeout, plus the {@link ConnectionOptions}. */
    public static final class Builder extends ConnectionOptions<Builder> {
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

        private Builder(Reactor reactor) {
            super(reactor);
        }

        /** How long a connect may take; default 5 s. */
        public Builder connectTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, was " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        public TcpClient build() {
            requireTlsSide(true);
            TcpClient client = new TcpClient(this);
            reactor.execute(client.connections::startTimers);
            return client;
        }
    }
}
