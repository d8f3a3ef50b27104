package io.loopwire.bench.jmh;

import io.loopwire.codec.FrameSink;
import io.loopwire.codec.FrameTooLongException;
import io.loopwire.codec.LineFramer;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link LineFramer#decode} over 64 KiB of 64-byte lines (1024 lines; one operation = the whole 64 KiB), into a sink
 * that only sums payload lengths.
 *
 * <ul>
 *   <li>{@code whole}: the 64 KiB arrive as one read, every line complete.</li>
 *   <li>{@code split}: they arrive as reads of 1000 bytes, so most reads end inside a line; the unfinished bytes are
 *       carried the way {@code TcpConnection} does it (copied into a carry buffer, which then takes the following
 *       read, decoded with the known-incomplete hint, compacted).</li>
 * </ul>
 * Buffers are direct, like the reactor's read buffer. Run with {@code -prof gc}: expected 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class LineFramerBenchmark {
    public static final int INPUT_BYTES = 64 * 1024;
    static final int LINE_BYTES = 64;
    static final int SPLIT_READ_BYTES = 1000;
    static final int MAX_FRAME_BYTES = 65536;

    @Param({"whole", "split"})
    public String reads;

    private final LineFramer framer = new LineFramer(MAX_FRAME_BYTES);
    private final ByteBuffer input = ByteBuffer.allocateDirect(INPUT_BYTES);
    private final ByteBuffer carry = ByteBuffer.allocateDirect(MAX_FRAME_BYTES + 2);
    private final CountingSink sink = new CountingSink();
    private int readBytes;

    /** Sums payload lengths: cheap, and keeps the framer's work observable. */
    static final class CountingSink implements FrameSink {
        long payloadBytes;

        @Override
        public void onFrame(ByteBuffer frame) {
            payloadBytes += frame.remaining();
        }
    }

    @Setup
    public void setUp() {
        for (int i = 0; i < INPUT_BYTES; i++) {
            input.put(i % LINE_BYTES == LINE_BYTES - 1 ? (byte) '\n' : (byte) ('a' + i % 26));
        }
        input.clear();
        readBytes = "whole".equals(reads) ? INPUT_BYTES : SPLIT_READ_BYTES;
    }

    @Benchmark
    public long decode() throws FrameTooLongException {
        carry.clear();
        for (int start = 0; start < INPUT_BYTES; start += readBytes) {
            input.limit(Math.min(INPUT_BYTES, start + readBytes)).position(start);
            decodeRead(input);
        }
        return sink.payloadBytes;
    }

    /** What {@code TcpConnection.decode} does with one read. */
    private void decodeRead(ByteBuffer read) throws FrameTooLongException {
        while (read.hasRemaining()) {
            if (carry.position() == 0) {
                framer.decode(read, sink);
                if (read.hasRemaining()) {
                    carry.put(read);
                }
                return;
            }
            int known = carry.position();
            int take = Math.min(read.remaining(), carry.remaining());
            int limit = read.limit();
            read.limit(read.position() + take);
            carry.put(read);
            read.limit(limit);
            carry.flip();
            framer.decode(carry, known, sink);
            carry.compact();
        }
    }
}
