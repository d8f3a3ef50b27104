package io.loopwire.bench.jmh;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Timeout;
import org.openjdk.jmh.annotations.Warmup;

/**
 * UDP echo round trip, one request in flight, against a real {@code ChatServer}'s UDP side ({@code UdpRelay} →
 * {@code PingEcho}): {@code text} sends {@code ping}, {@code probe} a 32-byte LWP1 probe packet. The client (blocking,
 * connected {@code DatagramChannel}, direct buffers) allocates nothing, so {@code -prof gc}'s B/op is the server's;
 * each iteration also prints the server reactor thread's own bytes per echo.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Timeout(time = 30)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class UdpEchoBenchmark {
    @Param({"text", "probe"})
    public String request;

    private UdpEchoFixture fixture;
    private long ops;
    private long reactorBytesAtStart;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        fixture = new UdpEchoFixture("probe".equals(request));
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        ops = 0;
        reactorBytesAtStart = fixture.reactorAllocatedBytes();
    }

    @Benchmark
    public int echo() throws IOException {
        ops++;
        return fixture.echo();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        long bytes = fixture.reactorAllocatedBytes() - reactorBytesAtStart;
        System.out.printf("%n[reactor thread] %d echoes, %.3f B/echo%n", ops, (double) bytes / ops);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        fixture.close();
    }
}
