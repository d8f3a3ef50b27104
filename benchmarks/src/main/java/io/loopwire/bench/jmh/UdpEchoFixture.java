package io.loopwire.bench.jmh;

import io.loopwire.Reactor;
import io.loopwire.bench.ThreadAllocation;
import io.loopwire.relay.ChatServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * A real {@link ChatServer} on its own reactor thread and a blocking, connected {@link DatagramChannel} client with one
 * request in flight: {@link #echo()} sends {@code ping} (or an LWP1 probe packet) and waits for the answer.
 *
 * <p>The client uses preallocated direct buffers on a connected channel, so it allocates nothing per round trip.
 *
 * @implNote Not thread-safe: one caller thread.
 */
public final class UdpEchoFixture implements AutoCloseable {
    private final Reactor reactor;
    private final ChatServer server;
    private final DatagramChannel client;
    private final ByteBuffer request;
    private final ByteBuffer reply = ByteBuffer.allocateDirect(2048);
    private final long reactorThreadId;

    /** @param probe send a 32-byte LWP1 probe packet instead of {@code ping} */
    public UdpEchoFixture(boolean probe) throws IOException {
        reactor = new Reactor("bench-reactor").start();
        server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
        reactorThreadId = ThreadAllocation.reactorThreadId(reactor);
        client = DatagramChannel.open();
        client.connect(server.udpAddress());
        if (probe) {
            request = ByteBuffer.allocateDirect(32);
            request.put(new byte[] {'L', 'W', 'P', '1'}).putInt(0x1234).putLong(1).putLong(System.nanoTime());
            request.clear();
        } else {
            request = ByteBuffer.allocateDirect(4);
            request.put(new byte[] {'p', 'i', 'n', 'g'}).clear();
        }
        for (int i = 0; i < 100; i++) {
            echo();
        }
    }

    /** One request and its answer; returns the answer's length. */
    public int echo() throws IOException {
        request.clear();
        client.write(request);
        reply.clear();
        client.read(reply);
        return reply.position();
    }

    /** Bytes allocated so far by the server's reactor thread. */
    public long reactorAllocatedBytes() {
        return ThreadAllocation.allocatedBytes(reactorThreadId);
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
        reactor.close();
    }
}
