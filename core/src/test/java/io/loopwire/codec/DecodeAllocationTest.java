package io.loopwire.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import io.loopwire.AllocationWindows;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Framer#decode} runs on the reactor thread for every read and must not allocate. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class DecodeAllocationTest {

    private static final int ROUNDS = 100_000;

    private long payloadBytes;
    private final FrameSink sink = this::count;

    private void count(ByteBuffer frame) {
        payloadBytes += frame.remaining();
    }

    @Test
    void lineFramerDecodesWithoutAllocating() throws Exception {
        assertNoAllocation(new LineFramer(64), Bytes.buffer("hello\r\nworld\n\nunfinished"));
    }

    @Test
    void rawFramerDecodesWithoutAllocating() throws Exception {
        assertNoAllocation(new RawFramer(8), Bytes.buffer("twenty bytes of data"));
    }

    @Test
    void lengthPrefixFramerDecodesWithoutAllocating() throws Exception {
        assertNoAllocation(new LengthPrefixFramer(2, 64), LengthPrefixFramerTest.encode(2, "hello", "", "world"));
    }

    private void assertNoAllocation(Framer framer, ByteBuffer heap) throws Exception {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining()).put(heap.duplicate()).flip();

        run(framer, heap, direct, ROUNDS); // warm up, so allocation by class loading or the JIT is not counted
        long allocated = AllocationWindows.least(() -> {
            long before = threads.getCurrentThreadAllocatedBytes();
            run(framer, heap, direct, ROUNDS);
            return threads.getCurrentThreadAllocatedBytes() - before;
        });

        assertThat(payloadBytes).isPositive();
        // A single object per call would be 2 * ROUNDS * 16 bytes; allow a little for the counter itself.
        assertThat(allocated).as("bytes allocated by %d decodes of %s", 2 * ROUNDS, framer).isLessThan(4096);
    }

    private void run(Framer framer, ByteBuffer heap, ByteBuffer direct, int rounds) throws FrameTooLongException {
        for (int i = 0; i < rounds; i++) {
            heap.rewind();
            framer.decode(heap, sink);
            direct.rewind();
            framer.decode(direct, sink);
        }
    }
}
