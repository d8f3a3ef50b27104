package io.loopwire.tcp;

import io.loopwire.Reactor;
import io.loopwire.codec.Framer;
import io.loopwire.codec.LineFramer;
import java.time.Duration;
import java.util.Objects;

/**
 * The per-connection settings shared by {@link TcpServer.Builder} and {@link TcpClient.Builder}; every size and time
 * has a documented default.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class ConnectionOptions<B extends ConnectionOptions<B>> {
    public static final int DEFAULT_MAX_FRAME_BYTES = 65536;
    public static final long DEFAULT_MAX_OUTBOUND_BYTES = 1024 * 1024;
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(2);

    final Reactor reactor;
    TcpHandler handler;
    Framer framer = new LineFramer(DEFAULT_MAX_FRAME_BYTES);
    long maxOutboundBytes = DEFAULT_MAX_OUTBOUND_BYTES;
    OverflowPolicy overflowPolicy = OverflowPolicy.DISCONNECT;
    Duration idleTimeout = Duration.ZERO;
    Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    boolean tcpNoDelay = true;
    int sendBufferBytes;
    int receiveBufferBytes;

    ConnectionOptions(Reactor reactor) {
        this.reactor = Objects.requireNonNull(reactor, "reactor");
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** The callbacks; required. */
    public B handler(TcpHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
        return self();
    }

    /** How the byte stream is cut into frames; default {@code new LineFramer(65536)}. */
    public B framer(Framer framer) {
        this.framer = Objects.requireNonNull(framer, "framer");
        return self();
    }

    /** Bytes queued per connection at most (default 1 MiB); what happens beyond is {@link #overflowPolicy}. */
    public B maxOutboundBytes(long bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException("maxOutboundBytes must be at least 1024, was " + bytes);
        }
        this.maxOutboundBytes = bytes;
        return self();
    }

    /** What to do when a peer's outbound queue is full; default {@link OverflowPolicy#DISCONNECT}. */
    public B overflowPolicy(OverflowPolicy policy) {
        this.overflowPolicy = Objects.requireNonNull(policy, "policy");
        return self();
    }

    /** Close connections that sent nothing for this long; {@link Duration#ZERO} (the default) turns it off. */
    public B idleTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must not be negative, was " + timeout);
        }
        this.idleTimeout = timeout;
        return self();
    }

    /** How long a graceful close may take (flush, then wait for the peer's FIN); default 2 s. */
    public B closeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("closeTimeout must be positive, was " + timeout);
        }
        this.closeTimeout = timeout;
        return self();
    }

    /** Disable Nagle's algorithm; default {@code true}. */
    public B tcpNoDelay(boolean noDelay) {
        this.tcpNoDelay = noDelay;
        return self();
    }

    /** SO_SNDBUF of each connection in bytes; 0 (the default) keeps the system's (autotuned on Linux). */
    public B sendBufferBytes(int bytes) {
        this.sendBufferBytes = checkBufferSize("sendBufferBytes", bytes);
        return self();
    }

    /** SO_RCVBUF of each connection in bytes; 0 (the default) keeps the system's (autotuned on Linux). */
    public B receiveBufferBytes(int bytes) {
        this.receiveBufferBytes = checkBufferSize("receiveBufferBytes", bytes);
        return self();
    }

    private static int checkBufferSize(String name, int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + bytes);
        }
        return bytes;
    }

    void requireHandler() {
        if (handler == null) {
            throw new IllegalStateException("a TcpHandler is required");
        }
    }
}
