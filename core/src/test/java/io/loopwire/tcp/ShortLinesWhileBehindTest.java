package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connection whose socket is full is given many short transient lines (what a chat room hands a reader that is a
 * moment behind): they are copied, and the outbound limit counts their bytes, not an entry per line. Before, each
 * 24-byte line cost a 56-byte entry, so a reader was closed at well under half the limit it was told about. The lines
 * then arrive intact and in order once the peer reads, though the producer overwrites its buffer every turn.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShortLinesWhileBehindTest {
    private static final int MAX_OUTBOUND = 256 * 1024;
    private static final int FILL_BYTES = 64 * 1024;
    private static final int LINE_BYTES = 24;
    private static final int LINES_PER_TURN = 1000;
    /** 192,000 bytes of lines: within the limit as bytes, far over it at an entry per line (448,000). */
    private static final int TURNS = 8;

    /**
     * Runs {@code sends} on the loop (they must all be taken) and returns the bytes queued after that turn's flush
     * (end-of-turn work runs in the order it was queued, and the connection queued its flush while sending).
     */
    private static long queuedAfterFlush(Reactor reactor, TcpConnection connection, Callable<Boolean> sends)
            throws Exception {
        CompletableFuture<Long> queued = new CompletableFuture<>();
        boolean taken = reactor.call(() -> {
            boolean all = sends.call();
            reactor.runAtEndOfTurn(() -> queued.complete(connection.queuedBytes()));
            return all;
        });
        assertThat(taken).as("every message taken (open: %s)", connection).isTrue();
        return queued.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shortLinesQueuedWhileTheSocketIsFullCountTheirBytesAndArriveInOrder() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        try (Reactor reactor = new Reactor("short-lines").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).maxOutboundBytes(MAX_OUTBOUND).start();
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(4 * 1024);
                client.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()));
                TcpConnection connection = handler.awaitConnection(client);

                // Fill the kernel's buffers one turn at a time until a turn's flush leaves bytes queued: behind.
                long filled = 0;
                long queuedBefore = 0;
                while (queuedBefore == 0) {
                    assertThat(filled).as("bytes sent before the socket was full").isLessThan(256L * 1024 * 1024);
                    queuedBefore = queuedAfterFlush(reactor, connection,
                            () -> connection.send(ByteBuffer.allocate(FILL_BYTES)));
                    filled += FILL_BYTES;
                }

                // One buffer for every turn's lines, overwritten each turn: transient bytes, as a room's arena.
                ByteBuffer turnBytes = ByteBuffer.allocateDirect(LINES_PER_TURN * LINE_BYTES);
                long queued = 0;
                for (int turn = 0; turn < TURNS; turn++) {
                    int first = turn * LINES_PER_TURN;
                    queued = queuedAfterFlush(reactor, connection, () -> {
                        boolean taken = true;
                        turnBytes.clear();
                        for (int i = first; i < first + LINES_PER_TURN; i++) {
                            int start = turnBytes.position();
                            turnBytes.put(String.format("%023d\n", i).getBytes(StandardCharsets.US_ASCII));
                            taken &= connection.sendTransient(turnBytes.duplicate().position(start)
                                    .limit(turnBytes.position()));
                        }
                        return taken;
                    });
                }
                long lineBytes = (long) TURNS * LINES_PER_TURN * LINE_BYTES;
                assertThat(reactor.call(connection::isOpen)).as("open with %d bytes queued", queued).isTrue();
                // Copies of at least 4 KiB: an entry's overhead per few hundred lines, not per line.
                assertThat(queued).isLessThanOrEqualTo(queuedBefore + lineBytes
                        + OutboundQueue.ENTRY_OVERHEAD_BYTES * (lineBytes / OutboundQueue.COPY_BYTES + TURNS + 2));

                client.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(client.getInputStream());
                long skipped = 0;
                while (skipped < filled) {
                    skipped += in.skip(filled - skipped);
                }
                byte[] got = new byte[LINE_BYTES];
                for (int i = 0; i < TURNS * LINES_PER_TURN; i++) {
                    in.readFully(got);
                    assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo(String.format("%023d\n", i));
                }
                assertThat(handler.closed).doesNotContainKey(client.getLocalPort());
                System.out.printf("[figures] %d short lines while behind: %d bytes queued for %d bytes of lines%n",
                        TURNS * LINES_PER_TURN, queued - queuedBefore, lineBytes);
            }
        }
    }
}
