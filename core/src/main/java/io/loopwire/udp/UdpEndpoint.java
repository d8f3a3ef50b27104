package io.loopwire.udp;

import io.loopwire.Reactor;
import io.loopwire.loop.InputWaiter;
import io.loopwire.loop.IoHandler;
import io.loopwire.loop.Loop;
import io.loopwire.loop.LoopAccess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound {@link DatagramChannel} on a {@link Reactor}: receives a batch of datagrams per wake-up into the
 * loop-shared buffer, and sends directly, queueing (boundedly) only while the kernel's send buffer is full.
 *
 * @implNote {@link #localAddress()} and the builder are thread-safe; everything else runs on the reactor thread.
 */
public final class UdpEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UdpEndpoint.class);

    public static final int DEFAULT_RECEIVE_BATCH = 64;
    public static final int DEFAULT_MAX_QUEUED_DATAGRAMS = 1024;
    /**
     * SO_RCVBUF asked by default: 4 MiB (Linux caps it at {@code net.core.rmem_max} and doubles it). With the
     * system default (~208 KiB, a few hundred small datagrams) a fan-out relay lost inbound datagrams while one
     * callback made (members - 1) sends; Netty's peer asks the same 4 MiB.
     */
    public static final int DEFAULT_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
    /**
     * Sends one wake-up's receive batch may cause before the endpoint stops reading for this turn (the rest waits in
     * the kernel buffer, and the loop serves other channels and timers first): a fan-out to thousands of members
     * cannot turn 64 datagrams into hundreds of thousands of sends inside one callback.
     */
    public static final int DEFAULT_MAX_SENDS_PER_RECEIVE_BATCH = 4096;

    private final Reactor reactor;
    private final Loop loop;
    private final DatagramChannel channel;
    private final InetSocketAddress localAddress;
    private final UdpHandler handler;
    private final int receiveBatch;
    private final int maxQueued;
    private final int maxSendsPerBatch;
    private final SelfAddresses self;
    private final UdpStats stats = new UdpStats();

    /** Ring of datagrams waiting for the kernel buffer; allocated on first use. */
    private ByteBuffer[] queuedData;
    private SocketAddress[] queuedTargets;
    private int queueHead;
    private int queueCount;
    private SelectionKey key;
    private boolean closed;
    /** The loop's callbacks; made once. */
    private final Io io = new Io();
    /** Read interest is off because the loop's input is held; {@link #io} is told when to read again. */
    private boolean readParked;

    private UdpEndpoint(Builder b, DatagramChannel channel) throws IOException {
        this.reactor = b.reactor;
        this.loop = LoopAccess.of(reactor);
        this.channel = channel;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.handler = b.handler;
        this.receiveBatch = b.receiveBatch;
        this.maxQueued = b.maxQueuedDatagrams;
        this.maxSendsPerBatch = b.maxSendsPerReceiveBatch;
        this.self = new SelfAddresses(localAddress);
    }

    /** Starts configuring an endpoint on {@code reactor}. */
    public static Builder builder(Reactor reactor) {
        return new Builder(reactor);
    }

    /** The bound address, with the real port when port 0 was asked. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** This endpoint's counters. Reactor thread only. */
    public UdpStats stats() {
        return stats;
    }

    /** The reactor this endpoint runs on. */
    public Reactor reactor() {
        return reactor;
    }

    /**
     * Sends {@code data}'s remaining bytes to {@code target}. If the kernel buffer is full the datagram is copied into
     * a bounded queue and sent when the socket is writable again; beyond the bound it is dropped and counted.
     *
     * @return {@code false} if the datagram was dropped or the send failed (counted in {@link #stats()})
     */
    public boolean send(SocketAddress target, ByteBuffer data) {
        assert reactor.inLoop() : "send off the loop thread";
        if (closed) {
            return false;
        }
        if (queueCount > 0) {
            return enqueue(target, data); // keep order behind what is already waiting
        }
        int length = data.remaining();
        int position = data.position();
        try {
            if (channel.send(data, target) == 0 && length > 0) {
                data.position(position);
                return enqueue(target, data); // the kernel's send buffer is full
            }
        } catch (IOException e) {
            data.position(position);
            sendFailed(target, e);
            return false;
        }
        stats.datagramsOut++;
        stats.bytesOut += length;
        return true;
    }

    private boolean enqueue(SocketAddress target, ByteBuffer data) {
        if (queueCount == maxQueued) {
            stats.dropped++;
            return false;
        }
        if (queuedData == null) {
            // The next power of two >= maxQueued; at least 1 (for maxQueued == 1 the shift alone gives 0).
            queuedData = new ByteBuffer[Math.max(1, Integer.highestOneBit(maxQueued - 1) << 1)];
            queuedTargets = new SocketAddress[queuedData.length];
        }
        int slot = (queueHead + queueCount) & (queuedData.length - 1);
        ByteBuffer copy = ByteBuffer.allocate(data.remaining());
        copy.put(data.duplicate()).flip();
        queuedData[slot] = copy;
        queuedTargets[slot] = target;
        queueCount++;
        stats.queued++;
        if (queueCount == 1) {
            key.interestOps(readOps() | SelectionKey.OP_WRITE);
        }
        return true;
    }

    private void flushQueue() {
        int mask = queuedData.length - 1;
        while (queueCount > 0) {
            int slot = queueHead;
            ByteBuffer data = queuedData[slot];
            int length = data.remaining();
            try {
                // 0 means "kernel buffer full" only for a non-empty datagram: an empty one legitimately sends 0
                // bytes, and reading that as "full" left it queued forever with OP_WRITE on (a spinning selector).
                if (channel.send(data, queuedTargets[slot]) == 0 && length > 0) {
                    return; // still full: OP_WRITE stays on
                }
                stats.datagramsOut++;
                stats.bytesOut += length;
            } catch (IOException e) {
                sendFailed(queuedTargets[slot], e);
            }
            queuedData[slot] = null;
            queuedTargets[slot] = null;
            queueHead = (queueHead + 1) & mask;
            queueCount--;
        }
        key.interestOps(readOps());
    }

    /** OP_READ, unless reading is parked while the loop holds its input. */
    private int readOps() {
        return readParked ? 0 : SelectionKey.OP_READ;
    }

    private void sendFailed(SocketAddress target, IOException e) {
        stats.sendErrors++;
        if (stats.sendErrors == 1 || stats.sendErrors % 1000 == 0) {
            log.warn("send from {} to {} failed ({} so far): {}", localAddress, target, stats.sendErrors, e.toString());
        }
    }

    private void ready(SelectionKey key) {
        if (key.isWritable()) {
            flushQueue();
        }
        if (key.isValid() && key.isReadable()) {
            if (loop.inputHeld()) {
                // What the room would hand on has nowhere to go yet: datagrams wait in the kernel's buffer.
                readParked = true;
                key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
                loop.parkUntilInputReleased(io);
            } else {
                receive();
            }
        }
    }

    private void receive() {
        ByteBuffer buffer = loop.readBuffer();
        long sendsBefore = stats.datagramsOut + stats.queued + stats.dropped;
        for (int i = 0; i < receiveBatch && !closed; i++) {
            if (stats.datagramsOut + stats.queued + stats.dropped - sendsBefore >= maxSendsPerBatch) {
                stats.batchesCut++; // the rest stays in the kernel buffer; the key is still readable next turn
                return;
            }
            buffer.clear();
            SocketAddress sender;
            try {
                sender = channel.receive(buffer);
            } catch (PortUnreachableException e) {
                // An ICMP error for an earlier send, reported on this socket: not a reason to stop serving.
                stats.receiveErrors++;
                continue;
            } catch (IOException e) {
                stats.receiveErrors++;
                log.warn("receive on {} failed: {}", localAddress, e.toString());
                return;
            }
            if (sender == null) {
                return;
            }
            buffer.flip();
            stats.datagramsIn++;
            stats.bytesIn += buffer.remaining();
            if (self.isSelf((InetSocketAddress) sender)) {
                // Our own address as the source (spoofed, or a misrouted packet): answering it would feed our own
                // input, one ping looping forever at 100% of a core. Nothing a real peer sends comes from here.
                stats.fromSelf++;
                continue;
            }
            try {
                handler.onDatagram(this, (InetSocketAddress) sender, buffer);
            } catch (RuntimeException e) {
                stats.handlerErrors++;
                if (stats.handlerErrors == 1 || stats.handlerErrors % 1000 == 0) {
                    log.warn("handler failed on a datagram from {} ({} so far)", sender, stats.handlerErrors, e);
                }
            }
        }
    }

    /** SO_RCVBUF as the kernel reports it (Linux: twice the bytes it accounts, capped by rmem_max). */
    public int receiveBufferBytes() {
        try {
            return channel.getOption(StandardSocketOptions.SO_RCVBUF);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Datagrams now waiting in the send queue. Reactor thread only. */
    public int queuedNow() {
        return queueCount;
    }

    /** Whether {@code OP_WRITE} is set (only while datagrams wait). Reactor thread only; for tests and stats. */
    public boolean waitingForWritable() {
        return key != null && key.isValid() && (key.interestOps() & SelectionKey.OP_WRITE) != 0;
    }

    /**
     * Queues {@code data} behind whatever waits, as when the kernel reports its buffer full, and asks for
     * {@code OP_WRITE}. For tests: loopback never reports a full send buffer on Linux (the sender's memory is
     * released as soon as the receiving socket takes the datagram), so the queue path cannot be reached otherwise.
     */
    boolean enqueueForTest(SocketAddress target, ByteBuffer data) {
        assert reactor.inLoop();
        return enqueue(target, data);
    }

    /** Closes the socket now; queued datagrams are discarded. Waits for the reactor when called from elsewhere. */
    @Override
    public void close() {
        try {
            reactor.call(() -> {
                closeNow();
                return null;
            });
        } catch (IOException e) {
            if (!reactor.isClosing()) { // a closed reactor has closed every channel already
                log.warn("closing {} failed", localAddress, e);
            }
        }
    }

    private void closeNow() {
        if (closed) {
            return;
        }
        closed = true;
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing {} failed", localAddress, e);
        }
        queuedData = null;
        queuedTargets = null;
        queueCount = 0;
    }

    @Override
    public String toString() {
        return "UdpEndpoint[" + localAddress + ']';
    }

    /** The socket's callbacks (private, so they never show on the public type). */
    private final class Io implements IoHandler, InputWaiter {
        @Override
        public void onReady(SelectionKey key) {
            ready(key);
        }

        @Override
        public void onInputReleased() {
            readParked = false;
            if (!closed && key != null && key.isValid() && !reactor.isClosing()) {
                key.interestOps(key.interestOps() | SelectionKey.OP_READ);
            }
        }

        @Override
        public void fail(Throwable cause) {
            // Only reached for errors outside the handler (which are caught per datagram): log and keep serving.
            stats.receiveErrors++;
            log.warn("error on {}; endpoint stays open", localAddress, cause);
        }

        @Override
        public boolean drainForShutdown() {
            if (key != null && key.isValid()) {
                key.interestOps(queueCount > 0 ? SelectionKey.OP_WRITE : 0);
            }
            return queueCount == 0;
        }

        @Override
        public void closeForShutdown() {
            closeNow();
        }
    }

    /** Configuration of a {@link UdpEndpoint}. */
    public static final class Builder {
        private final Reactor reactor;
        private InetSocketAddress bindAddress = new InetSocketAddress("127.0.0.1", 0);
        private UdpHandler handler;
        private int receiveBatch = DEFAULT_RECEIVE_BATCH;
        private int maxQueuedDatagrams = DEFAULT_MAX_QUEUED_DATAGRAMS;
        private int receiveBufferBytes = DEFAULT_RECEIVE_BUFFER_BYTES;
        private int sendBufferBytes;
        private boolean reusePort;
        private int maxSendsPerReceiveBatch = DEFAULT_MAX_SENDS_PER_RECEIVE_BATCH;

        private Builder(Reactor reactor) {
            this.reactor = Objects.requireNonNull(reactor, "reactor");
        }

        /** Where to bind; default {@code 127.0.0.1:0}. */
        public Builder bind(InetSocketAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The datagram callback; required. */
        public Builder handler(UdpHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Datagrams received per wake-up at most; default 64. */
        public Builder receiveBatch(int datagrams) {
            if (datagrams < 1) {
                throw new IllegalArgumentException("receiveBatch must be positive, was " + datagrams);
            }
            this.receiveBatch = datagrams;
            return this;
        }

        /** Datagrams waiting for the kernel buffer at most; beyond, sends are dropped. Default 1024. */
        public Builder maxQueuedDatagrams(int datagrams) {
            if (datagrams < 1 || datagrams > (1 << 20)) {
                throw new IllegalArgumentException("maxQueuedDatagrams must be in 1..1048576, was " + datagrams);
            }
            this.maxQueuedDatagrams = datagrams;
            return this;
        }

        /** SO_RCVBUF asked, in bytes; default 4 MiB; 0 keeps the system's. The size granted is logged. */
        public Builder receiveBufferBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("receiveBufferBytes must be >= 0, was " + bytes);
            }
            this.receiveBufferBytes = bytes;
            return this;
        }

        /** Sends a receive batch may cause before reading stops for this turn; default 4096. */
        public Builder maxSendsPerReceiveBatch(int sends) {
            if (sends < 1) {
                throw new IllegalArgumentException("maxSendsPerReceiveBatch must be positive, was " + sends);
            }
            this.maxSendsPerReceiveBatch = sends;
            return this;
        }

        /** SO_SNDBUF in bytes; 0 (default) keeps the system's. */
        public Builder sendBufferBytes(int bytes) {
            this.sendBufferBytes = bytes;
            return this;
        }

        /**
         * Sets {@code SO_REUSEPORT}, so that one endpoint per loop can bind the same address; Linux hashes each
         * source address to one of them, so a peer always lands on the same loop. Default off.
         */
        public Builder reusePort(boolean reuse) {
            this.reusePort = reuse;
            return this;
        }

        /**
         * Binds and starts receiving on the reactor.
         *
         * @throws java.net.BindException if the address is in use
         */
        public UdpEndpoint start() throws IOException {
            if (handler == null) {
                throw new IllegalStateException("a UdpHandler is required");
            }
            DatagramChannel channel = DatagramChannel.open();
            try {
                if (receiveBufferBytes > 0) {
                    channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferBytes);
                }
                if (sendBufferBytes > 0) {
                    channel.setOption(StandardSocketOptions.SO_SNDBUF, sendBufferBytes);
                }
                if (reusePort) {
                    channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
                channel.bind(bindAddress);
                channel.configureBlocking(false);
                // Linux caps SO_RCVBUF at net.core.rmem_max and reports twice what it accounts: say what we got.
                log.debug("{}: SO_RCVBUF asked {} bytes, granted {}", channel.getLocalAddress(), receiveBufferBytes,
                        channel.getOption(StandardSocketOptions.SO_RCVBUF));
                UdpEndpoint endpoint = new UdpEndpoint(this, channel);
                reactor.call(() -> {
                    endpoint.key = endpoint.loop.register(channel, SelectionKey.OP_READ, endpoint.io);
                    return null;
                });
                return endpoint;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
    }
}
