package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One client never reads while another reads everything: the same messages are broadcast to both. The slow one hits
 * its outbound limit and is disconnected ({@link CloseReason#OUTBOUND_LIMIT}); the other receives every byte and is
 * never held back (each batch reaches it within the poll bound).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketSlowReaderTest {
    private static final int MAX_OUTBOUND = 256 * 1024;
    private static final int MESSAGE_BYTES = 16 * 1024;
    private static final int MESSAGES_PER_BATCH = 8;

    @Test
    void slowReaderIsDisconnectedWithoutSlowingOthers() throws Exception {
        AtomicInteger limitCallbacks = new AtomicInteger();
        RecordingHandler handler = new RecordingHandler() {
            @Override
            public void onOutboundLimit(TcpConnection connection) {
                limitCallbacks.incrementAndGet();
            }
        };
        try (Reactor reactor = new Reactor("slow-reader").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).maxOutboundBytes(MAX_OUTBOUND).start();
            try (Socket slow = new Socket(); Socket fast = new Socket()) {
                slow.setReceiveBufferSize(4 * 1024);
                slow.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()));
                fast.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()));
                TcpConnection slowConnection = handler.awaitConnection(slow);
                TcpConnection fastConnection = handler.awaitConnection(fast);

                AtomicLong fastReceived = new AtomicLong();
                AtomicReference<Throwable> readerError = new AtomicReference<>();
                Thread reader = new Thread(() -> {
                    try {
                        fast.setSoTimeout((int) Poll.PATIENCE.toMillis());
                        InputStream in = fast.getInputStream();
                        byte[] chunk = new byte[64 * 1024];
                        int n;
                        while ((n = in.read(chunk)) > 0) {
                            long at = fastReceived.get();
                            for (int i = 0; i < n; i++) {
                                if (chunk[i] != Poll.patternByte(at + i)) {
                                    throw new AssertionError("fast client: byte " + (at + i) + " differs");
                                }
                            }
                            fastReceived.addAndGet(n);
                        }
                    } catch (java.net.SocketException closedByTest) {
                        // the test closed the socket at the end
                    } catch (Throwable t) {
                        readerError.set(t);
                    }
                }, "fast-reader");
                reader.start();

                long sentToFast = 0;
                long maxBatchNanos = 0;
                int batches = 0;
                int batchesAfterDisconnect = 0;
                while (batchesAfterDisconnect < 20) {
                    assertThat(sentToFast).as("bytes sent before the slow reader was cut off")
                            .isLessThan(256L * 1024 * 1024);
                    long offset = sentToFast;
                    long batchStart = System.nanoTime();
                    int acceptedByFast = reactor.call(() -> {
                        int accepted = 0;
                        for (int m = 0; m < MESSAGES_PER_BATCH; m++) {
                            ByteBuffer message = pattern(offset + (long) m * MESSAGE_BYTES, MESSAGE_BYTES);
                            slowConnection.send(message); // the same buffer goes to both: a broadcast
                            if (fastConnection.send(message)) {
                                accepted++;
                            }
                        }
                        return accepted;
                    });
                    assertThat(acceptedByFast).isEqualTo(MESSAGES_PER_BATCH);
                    sentToFast += (long) MESSAGES_PER_BATCH * MESSAGE_BYTES;
                    long expected = sentToFast;
                    Poll.until(() -> fastReceived.get() == expected || readerError.get() != null,
                            "the fast client to receive " + expected + " bytes");
                    assertThat(readerError.get()).isNull();
                    maxBatchNanos = Math.max(maxBatchNanos, System.nanoTime() - batchStart);
                    batches++;
                    if (handler.closed.containsKey(slow.getLocalPort())) {
                        batchesAfterDisconnect++;
                    }
                }
                assertThat(handler.closed).containsEntry(slow.getLocalPort(), CloseReason.OUTBOUND_LIMIT)
                        .doesNotContainKey(fast.getLocalPort());
                assertThat(limitCallbacks).hasValue(1);
                assertThat(reactor.call(() -> server.stats().closed(CloseReason.OUTBOUND_LIMIT))).isEqualTo(1);
                assertThat(reactor.call(() -> server.stats().open())).isEqualTo(1);
                assertThat(reactor.call(fastConnection::isOpen)).isTrue();
                System.out.printf("slow reader: cut off after ~%d KiB broadcast; fast client got %d bytes in %d "
                        + "batches, slowest batch %d ms%n", (sentToFast - 20L * MESSAGES_PER_BATCH * MESSAGE_BYTES)
                        / 1024, fastReceived.get(), batches, TimeUnit.NANOSECONDS.toMillis(maxBatchNanos));
                fast.close();
                reader.join(Poll.PATIENCE.toMillis());
                assertThat(readerError.get()).isNull();
            }
        }
    }

    static ByteBuffer pattern(long offset, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
            b.put(Poll.patternByte(offset + i));
        }
        return b.flip();
    }
}
