package io.loopwire.probe;

import io.loopwire.Reactor;
import io.loopwire.udp.UdpEndpoint;
import io.loopwire.wire.ProbePacket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UDP echo for prober tests, on a reactor of its own: every datagram is echoed to its sender (byte for byte, but a
 * probe packet with its reply mark set, as {@code PingEcho} does) after an injected delay, once or several times, or
 * not at all; its socket can be closed (the port becomes unreachable) and reopened on the same port. Arrival times
 * are recorded so a test can measure the prober's cadence from outside.
 *
 * @implNote The knobs are volatile and may be turned from the test thread; the handler runs on the echo's reactor.
 */
public final class TestEcho implements AutoCloseable {
    private final Reactor reactor;
    private final InetSocketAddress address;
    private volatile UdpEndpoint endpoint;
    private volatile long delayNanos;
    private volatile int copies = 1;
    private volatile boolean answering = true;
    private volatile boolean markReplies = true;
    private final AtomicLong received = new AtomicLong();
    private final AtomicReference<byte[]> lastDatagram = new AtomicReference<>();
    /** System.nanoTime() of each arrival, guarded by itself. */
    private final List<Long> arrivals = new ArrayList<>();

    private TestEcho(Reactor reactor, InetSocketAddress bind) throws IOException {
        this.reactor = reactor;
        this.endpoint = open(bind);
        this.address = endpoint.localAddress();
    }

    /** An echo on 127.0.0.1, an ephemeral port, its own reactor. */
    public static TestEcho start() throws IOException {
        return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    public static TestEcho start(InetSocketAddress bind) throws IOException {
        Reactor reactor = new Reactor("test-echo").start();
        try {
            return new TestEcho(reactor, bind);
        } catch (IOException | RuntimeException e) {
            reactor.close();
            throw e;
        }
    }

    private UdpEndpoint open(InetSocketAddress bind) throws IOException {
        return UdpEndpoint.builder(reactor).bind(bind).handler(this::onDatagram).start();
    }

    private void onDatagram(UdpEndpoint ep, InetSocketAddress sender, ByteBuffer data) {
        long now = System.nanoTime();
        received.incrementAndGet();
        synchronized (arrivals) {
            arrivals.add(now);
        }
        byte[] copy = new byte[data.remaining()];
        data.get(copy);
        lastDatagram.set(copy.clone());
        ByteBuffer wrapped = ByteBuffer.wrap(copy);
        if (markReplies && ProbePacket.isProbe(wrapped)) {
            ProbePacket.markReply(wrapped); // what a real echo does; the prober accepts only marked replies
        }
        if (!answering) {
            return;
        }
        long delay = delayNanos;
        for (int i = 0, n = copies; i < n; i++) {
            if (delay == 0) {
                ep.send(sender, ByteBuffer.wrap(copy));
            } else {
                reactor.schedule(Duration.ofNanos(delay), () -> ep.send(sender, ByteBuffer.wrap(copy)));
            }
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    public TestEcho delay(Duration delay) {
        this.delayNanos = delay.toNanos();
        return this;
    }

    /** How many times each datagram is echoed (0 = silent but still recording arrivals). */
    public TestEcho copies(int copies) {
        this.copies = copies;
        return this;
    }

    /** Whether probe packets go back with the reply mark (default) or exactly as they came (a plain reflector). */
    public TestEcho markReplies(boolean mark) {
        this.markReplies = mark;
        return this;
    }

    public TestEcho answering(boolean answering) {
        this.answering = answering;
        return this;
    }

    public long received() {
        return received.get();
    }

    /** The last datagram received, or null. */
    public byte[] lastDatagram() {
        return lastDatagram.get();
    }

    public List<Long> arrivals() {
        synchronized (arrivals) {
            return new ArrayList<>(arrivals);
        }
    }

    /** Closes the socket: datagrams to its port now meet a closed port (ICMP port unreachable on loopback). */
    public void closeSocket() {
        endpoint.close();
    }

    /** Binds the same address again after {@link #closeSocket()}. */
    public void reopen() throws IOException {
        endpoint = open(address);
    }

    @Override
    public void close() {
        endpoint.close();
        reactor.close(Duration.ofMillis(200));
    }
}
