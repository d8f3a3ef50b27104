package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.codec.LineFramer;
import io.loopwire.testkit.ProcessLimits;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many connections each holding a one-byte unfinished line cost what they hold, not the maximum frame: heap after
 * GC grows by at most 4 KiB per connection while holding it and 2 KiB while idle, with the default 64 KiB and with a
 * 16 MiB frame limit. The figures count both ends (the test's client sockets live in this JVM too), so the server's
 * own share is smaller still.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HalfLineMemoryTest {
    private static final int WANTED_CONNECTIONS = 1000;
    /** Fewer and the per-connection figure is mostly noise. */
    private static final int MIN_CONNECTIONS = 200;
    private static final long IDLE_LIMIT_BYTES = 2 * 1024;
    private static final long HOLDING_LIMIT_BYTES = 4 * 1024;

    @ParameterizedTest(name = "max frame {0} bytes")
    @ValueSource(ints = {65536, 16 * 1024 * 1024})
    void aOneByteHalfLinePerConnectionCostsWhatItHolds(int maxFrameBytes) throws Exception {
        // Both ends live in this JVM: two descriptors per connection, plus the JVM's own.
        long limit = ProcessLimits.openFiles();
        int connections = (int) Math.min(WANTED_CONNECTIONS, limit < 0 ? WANTED_CONNECTIONS : (limit - 300) / 2);
        Assumptions.assumeTrue(connections >= MIN_CONNECTIONS,
                () -> "open-files limit " + limit + " leaves room for fewer than " + MIN_CONNECTIONS + " connections");
                TcpHandler quiet = (connection, frame) -> { };
        try (Reactor reactor = new Reactor("half-lines").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(quiet).framer(new LineFramer(maxFrameBytes)).start();
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.localAddress().getPort());
            List<SocketChannel> clients = new ArrayList<>();
            try {
                long empty = usedHeapAfterGc();
                for (int i = 0; i < connections; i++) {
                    clients.add(SocketChannel.open(address));
                }
                Poll.onLoopUntil(reactor, () -> server.stats().open() == connections, "all connections accepted");
                long idle = usedHeapAfterGc();
                for (SocketChannel c : clients) {
                    c.write(ByteBuffer.wrap(new byte[] {'x'}));
                }
                Poll.until(Duration.ofSeconds(30), () -> reactor.call(() -> server.stats().bytesIn()) == connections,
                        "every half line read");
                long holding = usedHeapAfterGc();
                long carried = reactor.call(() -> server.stats().carriedBytes());
                double idlePer = (double) (idle - empty) / connections;
                double holdingPer = (double) (holding - empty) / connections;
                System.out.printf("[figures] max frame %d, %d connections: heap after GC per connection (both ends)"
                        + " idle %.0f B, holding a 1-byte half line %.0f B; carry buffers %d B in all%n",
                        maxFrameBytes, connections, idlePer, holdingPer, carried);
                assertThat(carried).isEqualTo((long) connections * CarryBuffers.INITIAL_BYTES);
                assertThat(idlePer).isLessThanOrEqualTo(IDLE_LIMIT_BYTES);
                assertThat(holdingPer).isLessThanOrEqualTo(HOLDING_LIMIT_BYTES);

                for (SocketChannel c : clients) {
                    c.write(ByteBuffer.wrap(new byte[] {'\n'}));
                }
                Poll.onLoopUntil(reactor, () -> server.stats().carriedBytes() == 0,
                        "every carry buffer given back once its line completed");
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }
        }
    }

    /** Heap in use after a full GC: the least of three tries, so other threads' garbage meanwhile is not seen. */
    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
