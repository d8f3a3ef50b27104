package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loopwire.AllocationWindows;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connection behind its socket copies the short lines it is given (they are only valid during the turn) into
 * {@value OutboundQueue#COPY_BYTES}-byte copies; once sent, a copy goes back to the group's pool, so a reader that
 * lags but keeps draining costs no allocation in steady state, and what it receives is what was queued, in order.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PooledCopiesTest {
    private static final int CYCLES = 20_000;
    private static final int LINES_PER_CYCLE = 100; // 2,400 bytes: one or two copies a cycle

    @Test
    void copiesOfShortLinesAreReusedOnceSent() throws Exception {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        OutboundQueue queue = new OutboundQueue(new SlotPool());
        ByteBuffer line = ByteBuffer.allocate(24);
        ByteBuffer[] batch = new ByteBuffer[64];
        ByteBuffer sent = ByteBuffer.allocate(64 * 1024);

        cycles(queue, line, batch, sent, 1_000); // warm up: the pool fills, the JIT compiles
        long allocated = AllocationWindows.least(() -> {
            long before = threads.getCurrentThreadAllocatedBytes();
            cycles(queue, line, batch, sent, CYCLES);
            return threads.getCurrentThreadAllocatedBytes() - before;
        });

        // One 4 KiB copy per cycle without the pool would be 80 MB here.
        assertThat(allocated).as("bytes allocated by %d cycles of %d short lines", CYCLES, LINES_PER_CYCLE)
                .isLessThan(64 * 1024);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.bytes()).isZero();
    }

    /** Each cycle: queue copies of numbered lines (the buffer is overwritten, as a turn's would be), then send all. */
    private static void cycles(OutboundQueue queue, ByteBuffer line, ByteBuffer[] batch, ByteBuffer sent, int n) {
        for (int c = 0; c < n; c++) {
            for (int i = 0; i < LINES_PER_CYCLE; i++) {
                line.clear();
                put(line, i);
                queue.addCopy(line.flip());
            }
            sent.clear();
            while (!queue.isEmpty()) {
                int count = queue.gather(batch);
                long taken = 0;
                for (int i = 0; i < count; i++) {
                    taken += batch[i].remaining();
                    sent.put(batch[i]);
                }
                queue.consume(taken);
            }
            sent.flip();
            for (int i = 0; i < LINES_PER_CYCLE; i++) {
                if (sent.getInt() != i || sent.get() != 'l') {
                    throw new AssertionError("line " + i + " of cycle " + c + " lost or out of order");
                }
                sent.position(sent.position() + 19);
            }
            if (sent.hasRemaining()) {
                throw new AssertionError("more bytes than lines in cycle " + c);
            }
        }
    }

    /** 24 bytes: the line's number, then "line" padding and a newline. */
    private static void put(ByteBuffer line, int number) {
        line.putInt(number).put(PADDING);
    }

    private static final byte[] PADDING = "l234567890123456789\n".getBytes(StandardCharsets.US_ASCII);
}
