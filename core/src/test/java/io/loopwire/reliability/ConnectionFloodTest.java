package io.loopwire.reliability;

import io.loopwire.testkit.Rig;
import static io.loopwire.testkit.Rig.figures;
import static io.loopwire.testkit.Rig.mib;
import static io.loopwire.testkit.Rig.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import io.loopwire.tcp.TcpServer;
import io.loopwire.testkit.ProcessLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Case 3: 5,000 concurrent connections, then all close; and 20,000 connect/disconnect cycles (a third of them ended
 * with a reset, a third with a half-close after a last line). Afterwards: no open connections, no registered keys besides the listening sockets, heap back near
 * its start.
 *
 * <p>The 5,000 connections go to an echo {@link TcpServer}, not the chat room: in a room every join is announced to
 * every member, so 5,000 members are 12.5 million notices, a broadcast benchmark rather than a leak check. The
 * 20,000 cycles go to the chat server, with one member watching every join and leave.
 */
@Tag("stress")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConnectionFloodTest {
    private static final int CONCURRENT = 5_000;
    private static final int CYCLES = 20_000;

    @Test
    void fiveThousandConcurrentConnectionsComeAndGoWithoutLeaks() throws Exception {
        long limit = ProcessLimits.openFiles();
        long needed = 2L * CONCURRENT + 200; // client and server ends live in this JVM
        Assumptions.assumeTrue(limit < 0 || limit >= needed, () -> {
            String reason = "open-files limit " + limit + " < " + needed + " needed (the JVM raises its soft limit to "
                    + "the hard limit at start; raise the hard limit with ulimit -Hn)";
            figures("flood-5000", "SKIPPED: " + reason);
            return reason;
        });
        try (Reactor reactor = new Reactor("flood-test").start()) {
            TcpServer server = TcpServer.builder(reactor).handler((connection, frame) -> {
                ByteBuffer copy = ByteBuffer.allocate(frame.remaining() + 1);
                connection.send(copy.put(frame).put((byte) '\n').flip());
            }).start();
            InetSocketAddress address = server.localAddress();
            long heapStart = Rig.heapAfterGc();
            long rssStart = Rig.rssKiB();
            int keysStart = onLoop(reactor, reactor::registeredChannels);
            List<SocketChannel> clients = new ArrayList<>(CONCURRENT);
            long t0 = System.nanoTime();
            try {
                for (int i = 0; i < CONCURRENT; i++) {
                    clients.add(SocketChannel.open(address));
                }
                long connectNanos = System.nanoTime() - t0;
                Poll.onLoopUntil(Duration.ofSeconds(30), reactor, () -> server.stats().open() == CONCURRENT,
                        "all accepted");
                // Every 25th connection proves it is served.
                ByteBuffer reply = ByteBuffer.allocate(16);
                for (int i = 0; i < CONCURRENT; i += 25) {
                    SocketChannel c = clients.get(i);
                    c.write(ByteBuffer.wrap("hi\n".getBytes(StandardCharsets.US_ASCII)));
                    reply.clear();
                    while (reply.position() < 3) {
                        assertThat(c.read(reply)).isPositive();
                    }
                    assertThat(new String(reply.array(), 0, 3, StandardCharsets.US_ASCII)).isEqualTo("hi\n");
                }
                int keysPeak = onLoop(reactor, reactor::registeredChannels);
                long heapPeak = Rig.heapAfterGc();
                long rssPeak = Rig.rssKiB();
                long t1 = System.nanoTime();
                for (int i = 0; i < clients.size(); i++) {
                    if (i % 2 == 0) {
                        clients.get(i).setOption(StandardSocketOptions.SO_LINGER, 0); // reset, not FIN
                    }
                    clients.get(i).close();
                }
                Poll.onLoopUntil(Duration.ofSeconds(30), reactor, () -> server.stats().open() == 0,
                        "all closed on the server");
                long closeNanos = System.nanoTime() - t1;
                int keysEnd = onLoop(reactor, reactor::registeredChannels);
                long heapEnd = Rig.heapAfterGc();
                String stats = onLoop(reactor, () -> server.stats().toString());
                figures("flood-5000", "connections=" + CONCURRENT + " connectTime=" + Rig.ms(connectNanos)
                        + " closeTime=" + Rig.ms(closeNanos) + " keys start/peak/end=" + keysStart + "/" + keysPeak
                        + "/" + keysEnd + " heapAfterGc start/peak/end=" + mib(heapStart) + "/" + mib(heapPeak) + "/"
                        + mib(heapEnd) + " rss start/peak=" + rssStart + "/" + rssPeak + "KiB " + stats);
                assertThat(keysPeak).isEqualTo(keysStart + CONCURRENT);
                assertThat(keysEnd).as("no leaked keys").isEqualTo(keysStart);
                assertThat(heapEnd - heapStart).as("heap back near its start").isLessThan(8L << 20);
            } finally {
                for (SocketChannel c : clients) {
                    closeQuietly(c);
                }
            }
        }
    }

    @Test
    void twentyThousandConnectDisconnectCyclesLeaveNothingBehind() throws Exception {
        try (Reactor reactor = new Reactor("cycle-test").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
            InetSocketAddress address = server.tcpAddress();
            try (Rig.LineClient watcher = new Rig.LineClient(address)) {
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> server.tcpRoom().size() == 1, "watcher joined");
                int keysStart = onLoop(reactor, reactor::registeredChannels);
                long heapStart = Rig.heapAfterGc();
                AtomicLong joined = new AtomicLong();
                AtomicLong left = new AtomicLong();
                AtomicLong messages = new AtomicLong();
                Thread reader = new Thread(() -> {
                    try {
                        String l;
                        while ((l = watcher.readLine()) != null) {
                            if (l.endsWith(" joined")) {
                                joined.incrementAndGet();
                            } else if (l.endsWith(" left")) {
                                left.incrementAndGet();
                            } else if (l.endsWith("] bye")) {
                                messages.incrementAndGet();
                            }
                        }
                    } catch (IOException closed) {
                        // end of test
                    }
                }, "watcher");
                reader.setDaemon(true);
                reader.start();
                int threads = 4;
                AtomicInteger next = new AtomicInteger();
                AtomicInteger resets = new AtomicInteger();
                AtomicInteger said = new AtomicInteger();
                AtomicInteger failures = new AtomicInteger();
                List<Thread> workers = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int w = 0; w < threads; w++) {
                    Thread t = new Thread(() -> {
                        int i;
                        while ((i = next.getAndIncrement()) < CYCLES) {
                            try (Socket s = new Socket()) {
                                s.connect(address, 5_000);
                                switch (i % 3) {
                                    case 0 -> {
                                        s.setSoLinger(true, 0); // close with a reset
                                        resets.incrementAndGet();
                                    }
                                    case 1 -> {
                                        // A well-behaved goodbye: say it, half-close, read until the server's FIN.
                                        // (Closing with unread notices in the receive buffer would send a reset,
                                        // and a reset makes the kernel drop what the server has not read yet.)
                                        s.getOutputStream().write("bye\n".getBytes(StandardCharsets.US_ASCII));
                                        s.shutdownOutput();
                                        s.setSoTimeout(10_000);
                                        byte[] sink = new byte[4096];
                                        while (s.getInputStream().read(sink) >= 0) {
                                            // notices of other cyclers
                                        }
                                        said.incrementAndGet();
                                    }
                                    default -> {
                                        // connect and close
                                    }
                                }
                            } catch (IOException e) {
                                failures.incrementAndGet();
                            }
                        }
                    }, "cycler-" + w);
                    t.start();
                    workers.add(t);
                }
                for (Thread t : workers) {
                    t.join(120_000);
                }
                long cycleNanos = System.nanoTime() - t0;
                Poll.onLoopUntil(Duration.ofSeconds(30), reactor, () -> server.tcpServer().stats().open() == 1,
                        "every cycle closed on the server");
                long accepted = onLoop(reactor, () -> server.tcpServer().stats().accepted()) - 1;
                Poll.until(Duration.ofSeconds(30), () -> left.get() == accepted, "watcher saw every leave");
                int keysEnd = onLoop(reactor, reactor::registeredChannels);
                long heapEnd = Rig.heapAfterGc();
                String stats = onLoop(reactor, () -> server.tcpServer().stats().toString());
                figures("connect-cycles", "cycles=" + CYCLES + " threads=" + threads + " time=" + Rig.ms(cycleNanos)
                        + " resets=" + resets + " saidBye=" + said + " clientFailures=" + failures + " watcher joined/"
                        + "left/bye=" + joined + "/" + left + "/" + messages + " keys start/end=" + keysStart + "/"
                        + keysEnd + " heapAfterGc start/end=" + mib(heapStart) + "/" + mib(heapEnd) + " rss="
                        + Rig.rssKiB() + "KiB " + stats);
                assertThat(failures.get()).as("client-side connect failures").isZero();
                assertThat(accepted).isEqualTo(CYCLES);
                assertThat(joined.get()).isEqualTo(accepted);
                assertThat(left.get()).isEqualTo(accepted);
                assertThat(messages.get()).as("every line sent before a normal close was relayed")
                        .isEqualTo(said.get());
                assertThat(keysEnd).as("no leaked keys").isEqualTo(keysStart);
                assertThat(heapEnd - heapStart).as("heap back near its start").isLessThan(8L << 20);
            }
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // cleanup
        }
    }
}
