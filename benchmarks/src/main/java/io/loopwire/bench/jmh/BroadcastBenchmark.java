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
 * One chat message relayed by a real {@code ChatServer} to {@code members - 1} TCP members over loopback, end to end:
 * the operation returns when every recipient has read its copy (see {@link BroadcastFixture}). The client side
 * allocates nothing, so {@code -prof gc}'s B/op (all threads) is the server's; each iteration also prints the server
 * reactor thread's own bytes per broadcast.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Timeout(time = 30)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class BroadcastBenchmark {
    @Param({"10", "100"})
    public int members;

    private BroadcastFixture fixture;
    private long ops;
    private long reactorBytesAtStart;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        fixture = new BroadcastFixture(members);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        ops = 0;
        reactorBytesAtStart = fixture.reactorAllocatedBytes();
    }

    @Benchmark
    public void broadcast() throws IOException {
        fixture.broadcast();
        ops++;
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        long bytes = fixture.reactorAllocatedBytes() - reactorBytesAtStart;
        System.out.printf("%n[reactor thread] %d broadcasts, %.3f B/broadcast%n", ops, (double) bytes / ops);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        fixture.close();
    }
}
