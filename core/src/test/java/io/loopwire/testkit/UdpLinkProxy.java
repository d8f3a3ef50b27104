package io.loopwire.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UDP link whose truth is known, for tests: it stands between one client and one upstream server and delays, jitters
 * and drops datagrams per direction, with every knob changeable while it runs. A datagram takes the delay (and meets
 * the loss) in force when it reaches the proxy in its direction, as on a real link: packets already on the way keep
 * theirs. Each direction counts what it forwarded and dropped, which is the truth a test compares with.
 *
 * <p>Clients send to {@link #address()}; the proxy forwards to the upstream from a socket of its own and sends the
 * replies back to the last client address it heard from (one client at a time).
 *
 * <p>Threads: one reader per socket and one sender that holds datagrams in a {@link DelayQueue} until due (parked to
 * the nanosecond, so the proxy adds well under a millisecond of error on an idle machine). Loss decisions use a
 * seeded {@link Random} per direction, so a run is repeatable. Knobs are volatile and may be turned from any thread.
 */
public final class UdpLinkProxy implements AutoCloseable {

    /** One direction's knobs and counters. */
    public static final class Direction {
        private volatile long delayNanos;
        private volatile long jitterNanos;
        private volatile double loss;
        private final AtomicInteger dropNext = new AtomicInteger();
        private final AtomicLong forwarded = new AtomicLong();
        private final AtomicLong dropped = new AtomicLong();
        /** How late each forwarded datagram left (its own error), guarded by itself. */
        private final List<Long> lateness = new ArrayList<>();
        private final Random random;

        private Direction(long seed) {
            this.random = new Random(seed);
        }

        /** Fixed one-way delay. */
        public Direction delay(Duration delay) {
            this.delayNanos = delay.toNanos();
            return this;
        }

        /** Each datagram's delay is the fixed delay plus a uniform value in [-jitter, +jitter] (never below 0). */
        public Direction jitter(Duration jitter) {
            this.jitterNanos = jitter.toNanos();
            return this;
        }

        /** Probability (0..1) that a datagram is dropped. */
        public Direction loss(double probability) {
            if (probability < 0 || probability > 1) {
                throw new IllegalArgumentException("loss " + probability);
            }
            this.loss = probability;
            return this;
        }

        /** Drops the next {@code n} datagrams whatever the loss probability (a short outage, exactly n long). */
        public Direction dropNext(int n) {
            dropNext.addAndGet(n);
            return this;
        }

        public long forwarded() {
            return forwarded.get();
        }

        public long dropped() {
            return dropped.get();
        }

        /**
         * The median of how much later than due the forwarded datagrams left: the proxy's own error in this
         * direction (scheduling on a busy machine), to add to the configured delay for the true one-way delay.
         */
        public long medianLatenessNanos() {
            synchronized (lateness) {
                if (lateness.isEmpty()) {
                    return 0;
                }
                List<Long> sorted = new ArrayList<>(lateness);
                Collections.sort(sorted);
                return sorted.get((sorted.size() - 1) / 2);
            }
        }

        private void left(long latenessNanos) {
            synchronized (lateness) {
                lateness.add(latenessNanos);
            }
        }

        /** Reader thread only: the delay for this datagram, or -1 to drop it. */
        private long decide() {
            if (dropNext.get() > 0 && dropNext.getAndDecrement() > 0) {
                dropped.incrementAndGet();
                return -1;
            }
            double p = loss;
            if (p > 0 && random.nextDouble() < p) {
                dropped.incrementAndGet();
                return -1;
            }
            forwarded.incrementAndGet();
            long jitter = jitterNanos;
            long delay = delayNanos;
            if (jitter > 0) {
                delay += (long) ((random.nextDouble() * 2 - 1) * jitter);
            }
            return Math.max(0, delay);
        }
    }

    private static final class Pending implements Delayed {
        private static final AtomicLong ORDER = new AtomicLong();
        final long dueNanos;
        final long order = ORDER.incrementAndGet();
        final byte[] data;
        final boolean toServer;
        final SocketAddress client;

        Pending(long dueNanos, byte[] data, boolean toServer, SocketAddress client) {
            this.dueNanos = dueNanos;
            this.data = data;
            this.toServer = toServer;
            this.client = client;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Pending p = (Pending) o;
            int c = Long.compare(dueNanos - p.dueNanos, 0);
            return c != 0 ? c : Long.compare(order, p.order);
        }
    }

    private final InetSocketAddress upstream;
    private final DatagramChannel front;
    private final DatagramChannel back;
    private final Direction toServer = new Direction(0x5EED_0001L);
    private final Direction toClient = new Direction(0x5EED_0002L);
    private final DelayQueue<Pending> queue = new DelayQueue<>();
    private final AtomicReference<Runnable> afterNextRequest = new AtomicReference<>();
    private final AtomicReference<SocketAddress> client = new AtomicReference<>();
    private final Thread frontReader;
    private final Thread backReader;
    private final Thread sender;
    private volatile boolean closed;

    private UdpLinkProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        InetAddress loopback = InetAddress.getLoopbackAddress();
        this.front = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        this.back = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        this.frontReader = new Thread(() -> read(front, true), "link-proxy-front");
        this.backReader = new Thread(() -> read(back, false), "link-proxy-back");
        this.sender = new Thread(this::send, "link-proxy-send");
        for (Thread t : new Thread[] {frontReader, backReader, sender}) {
            t.setDaemon(true);
            t.start();
        }
    }

    /** A proxy on 127.0.0.1 (ephemeral port) in front of {@code upstream}, passing everything at once. */
    public static UdpLinkProxy start(InetSocketAddress upstream) throws IOException {
        return new UdpLinkProxy(upstream);
    }

    /** Where clients send. */
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) front.getLocalAddress();
    }

    /** Client to server. */
    public Direction toServer() {
        return toServer;
    }

    /** Server to client. */
    public Direction toClient() {
        return toClient;
    }

    /** Sets both one-way delays to half of {@code rtt}. */
    public UdpLinkProxy rtt(Duration rtt) {
        Duration half = rtt.dividedBy(2);
        toServer.delay(half);
        toClient.delay(rtt.minus(half));
        return this;
    }

    /** Both directions' loss probability. */
    public UdpLinkProxy loss(double probability) {
        toServer.loss(probability);
        toClient.loss(probability);
        return this;
    }

    /**
     * Runs {@code action} on the proxy's thread right after the next client datagram has been taken (with the knobs
     * in force before the action): a test can change the link at a known phase of a prober's cadence.
     */
    public void afterNextRequest(Runnable action) {
        afterNextRequest.set(action);
    }

    private void read(DatagramChannel channel, boolean fromClient) {
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        while (!closed) {
            try {
                buf.clear();
                SocketAddress from = channel.receive(buf);
                long now = System.nanoTime();
                buf.flip();
                byte[] data = new byte[buf.remaining()];
                buf.get(data);
                if (fromClient) {
                    client.set(from);
                    long delay = toServer.decide();
                    if (delay >= 0) {
                        queue.add(new Pending(now + delay, data, true, from));
                    }
                    Runnable action = afterNextRequest.getAndSet(null);
                    if (action != null) {
                        action.run();
                    }
                } else if (upstream.equals(from)) {
                    long delay = toClient.decide();
                    SocketAddress to = client.get();
                    if (delay >= 0 && to != null) {
                        queue.add(new Pending(now + delay, data, false, to));
                    }
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void send() {
        while (!closed) {
            try {
                Pending p = queue.take();
                (p.toServer ? toServer : toClient).left(System.nanoTime() - p.dueNanos);
                if (p.toServer) {
                    back.send(ByteBuffer.wrap(p.data), upstream);
                } else {
                    front.send(ByteBuffer.wrap(p.data), p.client);
                }
            } catch (InterruptedException | ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // a refused send (ICMP from a closed port): the datagram is gone, as on a real link
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        front.close();
        back.close();
        sender.interrupt();
        try {
            frontReader.join(2000);
            backReader.join(2000);
            sender.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
