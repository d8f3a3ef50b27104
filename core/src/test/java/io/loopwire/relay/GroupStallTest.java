package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Loop 1 stops (a task that sleeps on it) while a member on loop 0 sends numbered lines at full speed to a reader on
 * loop 1. Within the stall timeout: memory stays within the window plus 32 MiB, the sender is slowed (its socket
 * stops taking bytes), and afterwards every line arrives once, in order. Past the stall timeout: memory stays as
 * bounded, loop 1 is reported stalled and its lines are dropped and counted, and once it runs again the report clears
 * and lines flow again: received plus dropped is exactly what was sent, in order, none twice.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GroupStallTest {
    private static final long HEAP_SLACK = 32L * 1024 * 1024;
    /**
     * The reader is a test thread on a shared machine; the server closes any reader that falls behind by more than its
     * outbound limit, which is not what this test is about: a limit of 8 MiB (within the heap slack) lets it lag.
     */
    private static final long READER_OUTBOUND_LIMIT = 8L * 1024 * 1024;

    @Test
    void aLoopStalledShorterThanTheTimeoutSlowsTheSenderAndLosesNothing() throws Exception {
        stall(Duration.ofSeconds(3), GroupRoom.DEFAULT_STALL_TIMEOUT);
    }

    /** The stall rule with a short timeout (1 s) so the default suite stays quick. */
    @Test
    void aLoopStalledLongerThanTheTimeoutHasItsLinesDroppedAndCountedThenFlowResumes() throws Exception {
        stall(Duration.ofSeconds(4), Duration.ofSeconds(1));
    }

    /** The figures: a 15 s stall against the default 5 s timeout. */
    @Test
    @Tag("stress")
    void aLoopStalledFifteenSecondsWithTheDefaultTimeout() throws Exception {
        stall(Duration.ofSeconds(15), GroupRoom.DEFAULT_STALL_TIMEOUT);
    }

    private static void stall(Duration stall, Duration stallTimeout) throws Exception {
        boolean dropsExpected = stall.compareTo(stallTimeout) > 0;
        try (TwoLoopRoom chat = new TwoLoopRoom(GroupRoom.DEFAULT_WINDOW_BYTES, stallTimeout,
                b -> b.maxOutboundBytes(READER_OUTBOUND_LIMIT));
                Socket senderSocket = new Socket("127.0.0.1", chat.tcp(0).getPort());
                Socket readerSocket = new Socket("127.0.0.1", chat.tcp(1).getPort())) {
            Poll.until(() -> chat.members() == 2, "both joined");
            SequenceReader reader = new SequenceReader(readerSocket);
            reader.start();
            long baseline = liveHeap();
            Sender sender = new Sender(senderSocket);
            sender.start();
            try {
                Poll.until(() -> reader.received.get() > 100_000 || reader.problem != null, "lines flowing");
                CountDownLatch stallEnded = new CountDownLatch(1);
                chat.group.get(1).execute(() -> {
                    sleep(stall.toMillis()); // the loop itself stops: what this test is about
                    stallEnded.countDown();
                });
                long stallStart = System.nanoTime();
                sleepUntil(stallStart, stall.toMillis() / 2);
                long sentAtHalf = sender.bytesWritten.get();
                sleepUntil(stallStart, stall.toMillis() - 1000);
                long sentLate = sender.bytesWritten.get();
                List<Integer> stalledDuring = chat.room.stalledLoops(); // before the heap: a GC may take a while
                long droppedDuring = chat.room.linesDropped(1);
                long grown = liveHeap() - baseline;
                System.out.printf("[figures] loop 1 stopped %s (stall timeout %s): heap +%d KiB after GC, sender wrote"
                        + " %d KiB from the stall's half to 1 s before its end, stalled %s, %d lines dropped, loop 0"
                        + " held input %d times%n", stall, stallTimeout, grown / 1024, (sentLate - sentAtHalf) / 1024,
                        stalledDuring, droppedDuring, chat.room.inputHolds(0));
                assertThat(grown).as("heap growth while loop 1 is stopped")
                        .isLessThanOrEqualTo(chat.room.windowBytes() + HEAP_SLACK);
                Poll.await(stallEnded, "the stall to end");
                long resumed = System.nanoTime();
                if (dropsExpected) {
                    assertThat(stalledDuring).as("loops reported stalled").containsExactly(1);
                    assertThat(droppedDuring).as("lines dropped for loop 1").isPositive();
                    Poll.until(Duration.ofMillis(1500), () -> chat.room.stalledLoops().isEmpty(),
                            "the stall report cleared within 1.5 s");
                    System.out.printf("[figures] stall report cleared %d ms after loop 1 ran again%n",
                            (System.nanoTime() - resumed) / 1_000_000);
                } else {
                    assertThat(stalledDuring).as("loops reported stalled").isEmpty();
                    assertThat(chat.room.inputHolds(0)).as("times loop 0 stopped reading").isPositive();
                    // The sender's socket stopped taking bytes: what it wrote after the stall's half is at most what
                    // the kernel's buffers (send and receive, autotuned) had left.
                    assertThat(sentLate - sentAtHalf).as("bytes the sender wrote after the stall's half")
                            .isLessThan(16L * 1024 * 1024);
                }
                long before = reader.received.get();
                Poll.until(() -> reader.received.get() > before + 100_000 || reader.problem != null,
                        "lines flowing again after the stall");
            } finally {
                sender.stopAndJoin();
            }
            long sent = sender.linesWritten;
            Poll.until(Duration.ofSeconds(60), () -> reader.received.get() + chat.room.linesDropped(1) >= sent
                    || reader.problem != null, "every line received or counted as dropped");
            assertThat(reader.problem).as("order problem").isNull();
            assertThat(reader.last).as("last line received").isEqualTo(sent - 1);
            long dropped = chat.room.linesDropped(1);
            assertThat(reader.received.get() + dropped).as("received + dropped").isEqualTo(sent);
            if (!dropsExpected) {
                assertThat(dropped).as("lines dropped").isZero();
            }
            System.out.printf("[figures] %d lines sent, %d received in order, %d dropped%n", sent,
                    reader.received.get(), dropped);
            readerSocket.close();
            reader.join(5000);
        }
    }

    private static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepUntil(long startNanos, long millis) {
        long wait = millis - (System.nanoTime() - startNanos) / 1_000_000;
        if (wait > 0) {
            sleep(wait);
        }
    }

    /** Writes lines {@code 0\n}, {@code 1\n}, ... as fast as the socket takes them, until stopped. */
    private static final class Sender extends Thread {
        final AtomicLong bytesWritten = new AtomicLong();
        volatile boolean stop;
        /** Lines written, once stopped. */
        volatile long linesWritten;
        private final Socket socket;

        Sender(Socket socket) {
            super("stall-sender");
            setDaemon(true);
            this.socket = socket;
        }

        @Override
        public void run() {
            StringBuilder batch = new StringBuilder();
            long next = 0;
            try {
                OutputStream out = socket.getOutputStream();
                while (!stop) {
                    batch.setLength(0);
                    for (int i = 0; i < 512; i++) {
                        batch.append(next++).append('\n');
                    }
                    byte[] bytes = batch.toString().getBytes(StandardCharsets.US_ASCII);
                    out.write(bytes);
                    bytesWritten.addAndGet(bytes.length);
                }
                out.flush();
            } catch (IOException e) {
                next = -1;
            }
            linesWritten = next;
        }

        void stopAndJoin() throws InterruptedException {
            stop = true;
            join(30_000);
            assertThat(isAlive()).as("sender stopped").isFalse();
            assertThat(linesWritten).as("sender wrote without error").isNotNegative();
        }
    }

    /** Reads relayed lines {@code [peer] n}, checking that n only grows (a gap is a drop; a step back, a repeat). */
    private static final class SequenceReader extends Thread {
        final AtomicLong received = new AtomicLong();
        volatile long last = -1;
        volatile String problem;
        private final Socket socket;

        SequenceReader(Socket socket) {
            super("stall-reader");
            setDaemon(true);
            this.socket = socket;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[256 * 1024];
            boolean lineStart = true;
            boolean relayed = false;
            boolean inNumber = false;
            StringBuilder error = null;
            long value = 0;
            long count = 0;
            try (InputStream in = socket.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    for (int i = 0; i < n; i++) {
                        int b = buffer[i];
                        if (lineStart) {
                            relayed = b == '[';
                            error = b == '!' ? new StringBuilder() : null;
                            lineStart = false;
                            inNumber = false;
                        } else if (b == '\n') {
                            lineStart = true;
                            if (error != null && problem == null) {
                                problem = "error line: !" + error;
                            }
                            if (relayed) {
                                if (value <= last && problem == null) {
                                    problem = "line " + value + " after " + last;
                                }
                                last = value;
                                count++;
                            }
                        } else if (error != null) {
                            error.append((char) b);
                        } else if (relayed && b == ' ' && !inNumber) {
                            inNumber = true;
                            value = 0;
                        } else if (inNumber) {
                            value = value * 10 + (b - '0');
                        }
                    }
                    received.set(count);
                }
            } catch (IOException closed) {
                // the test closed the socket
            }
        }
    }
}
