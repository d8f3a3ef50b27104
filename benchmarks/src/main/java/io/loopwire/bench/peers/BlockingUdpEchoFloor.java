package io.loopwire.bench.peers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * The JVM floor for UDP echo round trips: one thread in a blocking {@link DatagramChannel#receive} /
 * {@link DatagramChannel#send} loop, echoing every datagram byte for byte (so {@code ping} comes back as
 * {@code ping}), except that an LWP1 probe gets its reply mark (one byte test and one bit set; an LWP1 reply is
 * echoed too: the floor does not guard against loops). No selector, no parsing, one reused direct buffer. Anything
 * measured slower than this is the cost of the server's event loop, not of the JVM or the kernel.
 * Prints {@code ready tcp=- udp=<ip>:<port>}.
 */
public final class BlockingUdpEchoFloor implements AutoCloseable {
    private final DatagramChannel channel;
    private final Thread thread;

    private BlockingUdpEchoFloor(DatagramChannel channel) {
        this.channel = channel;
        this.thread = new Thread(this::loop, "udp-echo-floor");
        this.thread.setDaemon(true);
    }

    public static BlockingUdpEchoFloor start(InetSocketAddress bind) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            ch.bind(bind);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        BlockingUdpEchoFloor floor = new BlockingUdpEchoFloor(ch);
        floor.thread.start();
        return floor;
    }

    public InetSocketAddress udpAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    private void loop() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        while (channel.isOpen()) {
            try {
                buf.clear();
                SocketAddress from = channel.receive(buf);
                buf.flip();
                if (buf.remaining() >= 24 && buf.get(0) == 'L' && buf.get(3) == '1') {
                    buf.put(8, (byte) (buf.get(8) | 0x80)); // the LWP1 reply mark, which probers require
                }
                channel.send(buf, from);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                System.err.println("udp echo: " + e); // keep serving; one bad peer must not stop the floor
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        channel.close();
        thread.join(2000);
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        PeerMain.Options o = PeerMain.parse(args, "usage: java -cp benchmarks.jar "
                + BlockingUdpEchoFloor.class.getName() + " " + PeerMain.USAGE_OPTIONS + " (--tcp-port is ignored)");
        BlockingUdpEchoFloor floor = start(o.udp());
        PeerMain.serveUntilKilled(null, floor.udpAddress(), floor);
    }
}
