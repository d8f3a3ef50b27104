package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.loopwire.AllocationWindows;
import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay's hot path (read, frame, encode once, queue for every member, one gathering write per member per turn)
 * allocates nothing in steady state: measured as the bytes the reactor thread allocates per relayed message.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BroadcastAllocationTest {
    private static final int MEMBERS = 10;
    private static final int MESSAGES = 10_000;

    @Test
    void relayingALineToTenMembersAllocatesNothingPerMessage() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeThat(threads.isThreadAllocatedMemorySupported()).as("per-thread allocation counter").isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);
        try (Reactor reactor = new Reactor("allocation-test").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
            int port = server.tcpAddress().getPort();
            List<Socket> readers = new ArrayList<>();
            AtomicLong bytesRead = new AtomicLong();
            List<Thread> drains = new ArrayList<>();
            try (Socket sender = new Socket("127.0.0.1", port)) {
                for (int i = 0; i < MEMBERS; i++) {
                    Socket s = new Socket("127.0.0.1", port);
                    readers.add(s);
                    Thread drain = new Thread(() -> MeasuredRelay.drain(s, bytesRead), "drain-" + i);
                    drain.setDaemon(true);
                    drain.start();
                    drains.add(drain);
                }
                Poll.onLoopUntil(reactor, () -> server.tcpRoom().size() == MEMBERS + 1, "every member joined");
                OutputStream out = sender.getOutputStream();
                byte[] line = "a 64-byte chat line, the size the benchmarks use: 0123456789ab\n"
                        .getBytes(StandardCharsets.US_ASCII);

                int relayedLine = ("[127.0.0.1:" + sender.getLocalPort() + "] ").length() + line.length;
                MeasuredRelay.send(out, line, MESSAGES, bytesRead, (long) relayedLine * MEMBERS); // warm-up: JIT, queues, arena size
                long least = AllocationWindows.least(() -> {
                    long before = reactor.call(threads::getCurrentThreadAllocatedBytes);
                    MeasuredRelay.send(out, line, MESSAGES, bytesRead, (long) relayedLine * MEMBERS);
                    return reactor.call(threads::getCurrentThreadAllocatedBytes) - before;
                });
                double perMessage = (double) least / MESSAGES;
                System.out.printf("[figures] broadcast allocation: %.2f bytes per message relayed to %d members"
                        + " (least of %d windows: %d bytes for %d messages, reactor thread)%n", perMessage, MEMBERS,
                        AllocationWindows.WINDOWS, least, MESSAGES);
                // The two reactor.call round trips themselves allocate a little (lambdas, futures): well under a
                // byte per message over 20,000 messages. One allocation per message would be 16+ bytes.
                assertThat(perMessage).isLessThan(2.0);
            } finally {
                for (Socket s : readers) {
                    s.close();
                }
            }
        }
    }
}
