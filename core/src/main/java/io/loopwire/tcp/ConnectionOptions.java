package io.loopwire.tcp;

import io.loopwire.Reactor;
import io.loopwire.codec.Framer;
import io.loopwire.codec.LineFramer;
import io.loopwire.tls.TlsConfig;
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
    /** Frames handed to the handler per connection per loop turn; the rest waits for the next turn. */
    public static final int DEFAULT_MAX_FRAMES_PER_TURN = 1024;
    /** Socket reads per connection per loop turn (each up to {@link Reactor#READ_BUFFER_BYTES}). */
    public static final int DEFAULT_MAX_READS_PER_TURN = 16;
    /** Bytes of unfinished (or not yet handed on) input all connections of a server may hold together. */
    public static final long DEFAULT_CARRY_BUDGET_BYTES = 64L * 1024 * 1024;

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
    int maxFramesPerTurn = DEFAULT_MAX_FRAMES_PER_TURN;
    int maxReadsPerTurn = DEFAULT_MAX_READS_PER_TURN;
    long carryBudgetBytes = DEFAULT_CARRY_BUDGET_BYTES;
    TlsConfig tls;

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

    /**
     * Bytes a connection may leave unwritten at the end of a loop turn (default 1 MiB); what happens beyond is
     * {@link #overflowPolicy}. It judges what the socket could not take, not what a turn queued: a peer whose last
     * flush left nothing behind may be given more than this within one turn (a burst), and is judged once the turn's
     * flush has run. A peer already behind is judged at each message.
     */
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

    /**
     * Frames handed to the handler per connection per loop turn (default {@value #DEFAULT_MAX_FRAMES_PER_TURN}); a
     * burst beyond it waits in the connection's carry buffer (and the kernel) for the next turns, so one sender costs
     * the others at most this share of a turn.
     */
    public B maxFramesPerTurn(int frames) {
        if (frames < 1) {
            throw new IllegalArgumentException("maxFramesPerTurn must be at least 1, was " + frames);
        }
        this.maxFramesPerTurn = frames;
        return self();
    }

    /** Socket reads per connection per loop turn (default {@value #DEFAULT_MAX_READS_PER_TURN}). */
    public B maxReadsPerTurn(int reads) {
        if (reads < 1 || reads > 1024) {
            throw new IllegalArgumentException("maxReadsPerTurn must be in 1..1024, was " + reads);
        }
        this.maxReadsPerTurn = reads;
        return self();
    }

    /**
     * Bytes of carried input (unfinished frames, and frames left for the next turn) all connections of this server
     * or client may hold together (default 64 MiB). Over it, the connections holding the most are closed first with
     * {@link CloseReason#MEMORY_BUDGET} until the total fits again.
     */
    public B carryBudgetBytes(long bytes) {
        if (bytes < 64 * 1024) {
            throw new IllegalArgumentException("carryBudgetBytes must be at least 65536, was " + bytes);
        }
        this.carryBudgetBytes = bytes;
        return self();
    }

    /**
     * Speak TLS (1.3 or 1.2) on every connection: a server config ({@link TlsConfig#server}) for a {@code TcpServer},
     * a client config for a {@code TcpClient}. Handlers see plaintext exactly as without it, once the handshake is
     * done; every limit counts plaintext (see {@link TcpConnection}). Default: plaintext.
     */
    public B tls(TlsConfig config) {
        this.tls = Objects.requireNonNull(config, "config");
        return self();
    }

    void requireTlsSide(boolean client) {
        if (tls != null && tls.isClient() != client) {
            throw new IllegalStateException("a " + (client ? "TcpClient" : "TcpServer") + " needs a TlsConfig."
                    + (client ? "client" : "server") + "(...) config, not " + tls);
        }
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
