package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that reads slowly: the socket takes part of what is queued, the rest waits for {@code OP_WRITE} (the queue
 * is still non-empty a turn after the send), and when the peer catches up the queue drains and the connection is
 * writable again. Every byte arrives, in order.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketPartialWriteTest {
    private static final int MAX_OUTBOUND = 12 * 1024 * 1024;

    @Test
    void slowReaderReceivesEveryByteOfLargeTransfers() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        Random random = new Random(7);
        try (Reactor reactor = new Reactor("partial-write").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).maxOutboundBytes(MAX_OUTBOUND).start();
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(32 * 1024); // small, and no autotuning: the server's socket fills up
                client.setSoTimeout((int) Poll.PATIENCE.toMillis());
                client.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()));
                TcpConnection connection = handler.awaitConnection(client);
                long offset = 0;
                int[] roundBytes = {8 * 1024 * 1024, 7 * 1024 * 1024}; // both above the high-water mark
                for (int round = 0; round < roundBytes.length; round++) {
                    long start = offset;
                    int total = roundBytes[round];
                    int messages = reactor.call(() -> queuePattern(connection, start, total, random));
                    // Once the end-of-turn flush has written something, what the socket did not take stays queued.
                    Poll.onLoopUntil(reactor, () -> server.stats().bytesOut() > start, "the first flush");
                    long pending = reactor.call(connection::queuedBytes);
                    assertThat(pending).as("bytes left waiting for OP_WRITE").isGreaterThan(0);
                    assertThat(reactor.call(connection::isWritable)).isFalse();
                    readAndVerify(client.getInputStream(), start, total);
                    offset += total;
                    Poll.onLoopUntil(reactor, () -> connection.queuedBytes() == 0, "the queue to drain");
                    assertThat(reactor.call(connection::isWritable)).isTrue();
                    System.out.printf("partial writes: round %d sent %d bytes in %d messages, %d pending after the "
                            + "first flush%n", round, total, messages, pending);
                }
                assertThat(handler.writabilityChanges).containsExactly(false, true, false, true);
                long sent = offset;
                assertThat(reactor.call(() -> server.stats().bytesOut())).isEqualTo(sent);
                // The connection works normally afterwards (OP_WRITE is off, reads still on).
                client.getOutputStream().write("still here\n".getBytes());
                assertThat(new String(Poll.readExactly(client, 11))).isEqualTo("still here\n");
                assertThat(handler.closed).isEmpty();
            }
        }
    }

    /** Queues {@code total} pattern bytes starting at stream offset {@code start}, in messages of random sizes. */
    private static int queuePattern(TcpConnection connection, long start, int total, Random random) {
        int messages = 0;
        int done = 0;
        while (done < total) {
            int size = Math.min(total - done, 1 + random.nextInt(64 * 1024));
            ByteBuffer message = ByteBuffer.allocate(size);
            for (int i = 0; i < size; i++) {
                message.put(Poll.patternByte(start + done + i));
            }
            message.flip();
            assertThat(connection.send(message)).isTrue();
            done += size;
            messages++;
        }
        return messages;
    }

    /** Reads {@code total} bytes in small reads (a slow consumer) and checks each against the pattern. */
    static void readAndVerify(InputStream in, long start, long total) throws Exception {
        byte[] chunk = new byte[8 * 1024];
        long read = 0;
        while (read < total) {
            int n = in.read(chunk, 0, (int) Math.min(chunk.length, total - read));
            assertThat(n).as("end of stream after %d of %d bytes", read, total).isPositive();
            for (int i = 0; i < n; i++) {
                if (chunk[i] != Poll.patternByte(start + read + i)) {
                    throw new AssertionError("byte " + (start + read + i) + " differs");
                }
            }
            read += n;
        }
    }
}
