package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.codec.LineFramer;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Carry buffers follow what a connection holds and count against the group's carry budget: a peer holding a huge
 * unfinished line beyond the budget is closed ({@link CloseReason#MEMORY_BUDGET}), the one holding the most first,
 * while a peer holding a few bytes is untouched; a carry buffer is given back as soon as its line completes.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketCarryBudgetTest {
    private static final int BUDGET = 256 * 1024;

    @Test
    void theLargestHolderIsClosedWhenCarriedBytesExceedTheBudget() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        try (Reactor reactor = new Reactor("carry-budget").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler)
                    .framer(new LineFramer(4 * 1024 * 1024)).carryBudgetBytes(BUDGET).start();
            int port = server.localAddress().getPort();
            try (Socket small = new Socket("127.0.0.1", port); Socket hog = new Socket("127.0.0.1", port)) {
                handler.awaitConnection(small);
                handler.awaitConnection(hog);
                small.getOutputStream().write("half a li".getBytes(StandardCharsets.US_ASCII));
                Poll.onLoopUntil(reactor, () -> server.stats().carriedBytes() > 0, "the small line is carried");

                byte[] junk = new byte[64 * 1024];
                Arrays.fill(junk, (byte) 'x');
                OutputStream out = hog.getOutputStream();
                try {
                    for (int i = 0; i < 16 && !handler.closed.containsKey(hog.getLocalPort()); i++) {
                        out.write(junk); // 1 MiB at most, no newline: over the 256 KiB budget
                    }
                } catch (java.io.IOException reset) {
                    // the server closed it mid-write: expected
                }
                assertThat(handler.awaitClosed(hog)).isEqualTo(CloseReason.MEMORY_BUDGET);
                assertThat(handler.closed).doesNotContainKey(small.getLocalPort());
                assertThat(reactor.call(() -> server.stats().carriedBytes())).isLessThanOrEqualTo(BUDGET);

                small.getOutputStream().write("ne\n".getBytes(StandardCharsets.US_ASCII));
                byte[] echo = Poll.readExactly(small, "half a line\n".length());
                assertThat(new String(echo, StandardCharsets.US_ASCII)).isEqualTo("half a line\n");
                Poll.onLoopUntil(reactor, () -> server.stats().carriedBytes() == 0,
                        "the carry buffer given back once the line completed");
            }
        }
    }
}
