package io.loopwire.bench.jmh;

import io.loopwire.Reactor;
import io.loopwire.bench.ThreadAllocation;
import io.loopwire.relay.ChatServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A real {@link ChatServer} on its own reactor thread with {@code members} TCP members on loopback, and one
 * {@link #broadcast()}: member 0 sends a 64-byte line and the caller's thread reads, on one selector, until every other
 * member has received its copy.
 *
 * <p>The client side allocates nothing per broadcast (one preallocated direct buffer for writes, one for reads, a
 * selector callback created once), so allocation measured across all threads is the server's.
 *
 * @implNote Not thread-safe: one caller thread (the JMH benchmark thread or a main).
 */
public final class BroadcastFixture implements AutoCloseable {
    /** Bytes per line sent, newline included: the load generator's size. */
    public static final int LINE_BYTES = 64;
    private static final long TIMEOUT_NANOS = Duration.ofSeconds(10).toNanos();

    private final Reactor reactor;
    private final ChatServer server;
    private final SocketChannel[] members;
    private final Selector selector;
    private final ByteBuffer line = ByteBuffer.allocateDirect(LINE_BYTES);
    private final ByteBuffer sink = ByteBuffer.allocateDirect(256 * 1024);
    private final Consumer<SelectionKey> drain = this::drain;
    private final long reactorThreadId;
    private long received;
    private long bytesPerBroadcast;

    public BroadcastFixture(int memberCount) throws IOException {
        if (memberCount < 2) {
            throw new IllegalArgumentException("members must be at least 2, was " + memberCount);
        }
        reactor = new Reactor("bench-reactor").start();
        server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
        reactorThreadId = ThreadAllocation.reactorThreadId(reactor);
        selector = Selector.open();
        members = new SocketChannel[memberCount];
        byte[] text = new byte[LINE_BYTES];
        Arrays.fill(text, (byte) 'x');
        text[LINE_BYTES - 1] = '\n';
        line.put(text).flip();
        InetSocketAddress address = server.tcpAddress();
        for (int i = 0; i < memberCount; i++) {
            members[i] = SocketChannel.open(address);
            members[i].configureBlocking(false);
            if (i > 0) {
                members[i].register(selector, SelectionKey.OP_READ);
            }
        }
        awaitRoomSize(memberCount);
        drainQuiet(); // the "joined" notices
        // One broadcast tells how many bytes every other member receives per message (the prefix names the sender).
        long before = received;
        sendLine();
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        long expected = (long) (memberCount - 1) * (LINE_BYTES + 4); // at least the line plus "[] " and more
        while (received - before < expected && System.nanoTime() < deadline) {
            selector.select(drain, 100);
        }
        drainQuiet();
        bytesPerBroadcast = received - before;
        if (bytesPerBroadcast % (memberCount - 1) != 0) {
            throw new IllegalStateException("uneven delivery: " + bytesPerBroadcast + " bytes to " + (memberCount - 1));
        }
    }

    private void awaitRoomSize(int size) throws IOException {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (reactor.call(() -> server.tcpRoom().size()) < size) {
            if (System.nanoTime() > deadline) {
                throw new IOException("room did not reach " + size + " members");
            }
            selector.selectNow(drain);
            Thread.onSpinWait();
        }
    }

    /** Reads until nothing arrives for 200 ms. */
    private void drainQuiet() throws IOException {
        while (selector.select(drain, 200) > 0) {
            // keep reading
        }
    }

    private void drain(SelectionKey key) {
        SocketChannel channel = (SocketChannel) key.channel();
        try {
            int n;
            while ((n = channel.read(sink.clear())) > 0) {
                received += n;
            }
            if (n < 0) {
                throw new IllegalStateException("server closed member " + channel);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void sendLine() throws IOException {
        line.clear();
        while (line.hasRemaining()) {
            members[0].write(line);
        }
    }

    /** One message from member 0, returned once all other members have it. */
    public void broadcast() throws IOException {
        sendLine();
        long target = received + bytesPerBroadcast;
        long deadline = 0;
        while (received < target) {
            if (selector.select(drain, 1000) == 0) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + TIMEOUT_NANOS;
                } else if (now > deadline) {
                    throw new IOException("broadcast not delivered: " + (target - received) + " bytes missing");
                }
            }
        }
    }

    /** Bytes every broadcast delivers in total (to all other members). */
    public long bytesPerBroadcast() {
        return bytesPerBroadcast;
    }

    /** Bytes allocated so far by the server's reactor thread. */
    public long reactorAllocatedBytes() {
        return ThreadAllocation.allocatedBytes(reactorThreadId);
    }

    @Override
    public void close() throws IOException {
        for (SocketChannel m : members) {
            if (m != null) {
                m.close();
            }
        }
        selector.close();
        server.close();
        reactor.close();
    }
}
