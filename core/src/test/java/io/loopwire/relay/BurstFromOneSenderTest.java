package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.BurstReader;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.tcp.CloseReason;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One sender writes a burst of 2-byte lines in one write while three members read as fast as they can: every
 * reader gets every line, nobody is told "too slow", nobody is closed. The burst is handed on a share per turn
 * and the outbound limit judges only what a reader's socket could not take after each turn's flush.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BurstFromOneSenderTest {
    private static final int READERS = 3;
    private static final int WARM_UP_LINES = 4000;
    /** Warm-up bursts, each read by all before the next: some 2 MB per reader, enough for the JIT to compile its loop. */
    private static final int WARM_UP_ROUNDS = 25;

    @Test
    void aBurstOf64KiBOfShortLinesReachesEveryFastReaderAndClosesNobody() throws Exception {
        burst(64 * 1024, false);
    }

    @Test
    void aBurstOf1MiBOfShortLinesReachesEveryFastReaderAndClosesNobody() throws Exception {
        burst(1024 * 1024, false);
    }

    /** The same 1 MiB burst with a fourth member that never reads: it alone is closed, at its outbound limit. */
    @Test
    void aReaderThatStopsIsStillClosedAtItsLimitWhileFastReadersGetTheWholeBurst() throws Exception {
        burst(1024 * 1024, true);
    }

    private static void burst(int burstBytes, boolean withStoppedReader) throws Exception {
        int lines = burstBytes / 2;
        try (RunningServer chat = RunningServer.start(b -> b);
                Socket sender = new Socket("127.0.0.1", chat.tcp().getPort());
                Socket stopped = new Socket()) {
            List<Socket> sockets = new ArrayList<>();
            List<BurstReader> readers = new ArrayList<>();
            try {
                for (int i = 0; i < READERS; i++) {
                    Socket s = new Socket("127.0.0.1", chat.tcp().getPort());
                    sockets.add(s);
                    BurstReader r = new BurstReader(s);
                    readers.add(r);
                    r.start();
                }
                Poll.onLoopUntil(chat.reactor, () -> chat.server.tcpRoom().size() == READERS + 1, "all joined");
                byte[] data = new byte[burstBytes];
                for (int i = 0; i < data.length; i += 2) {
                    data[i] = 'a';
                    data[i + 1] = '\n';
                }
                OutputStream out = sender.getOutputStream();
                // First small bursts (each what the issue found harmless), one at a time, as a live connection would
                // have read before the big one: the kernel's buffer autotuning sees the readers read fast, and the
                // readers' own byte loop is compiled. The server's relay path is hot from the tests before; a reader
                // still interpreted scans slower than the loop relays and, on a loaded CPU, fell a megabyte behind.
                for (int round = 1; round <= WARM_UP_ROUNDS; round++) {
                    out.write(data, 0, 2 * WARM_UP_LINES);
                    out.flush();
                    long warmed = (long) round * WARM_UP_LINES;
                    Poll.until(Duration.ofSeconds(30), () -> readers.stream().allMatch(r -> r.relayed.get() >= warmed
                            || r.errors.get() > 0 || r.ended), "every reader got the warm-up lines");
                }
                if (withStoppedReader) { // joins after the warm-up, which would have filled it already
                    stopped.setReceiveBufferSize(4 * 1024);
                    stopped.connect(chat.tcp());
                    Poll.onLoopUntil(chat.reactor, () -> chat.server.tcpRoom().size() == READERS + 2,
                            "the stopped reader joined");
                }
                out.write(data); // one write: the kernel takes what it can, the rest as the loop reads
                out.flush();
                long total = (long) WARM_UP_ROUNDS * WARM_UP_LINES + lines;
                Poll.until(Duration.ofSeconds(90), () -> readers.stream().allMatch(r -> r.relayed.get() >= total
                        || r.errors.get() > 0 || r.ended), "every reader got " + lines + " lines");
                for (BurstReader r : readers) {
                    assertThat(r.errors.get()).as("error lines sent to a fast reader (first: %s)", r.firstError)
                            .isZero();
                    assertThat(r.ended).as("a fast reader was closed").isFalse();
                    assertThat(r.relayed.get()).as("lines relayed to a reader").isEqualTo(total);
                }
                long closedSlow = withStoppedReader ? 1 : 0;
                Poll.onLoopUntil(chat.reactor,
                        () -> chat.server.tcpServer().stats().closed(CloseReason.OUTBOUND_LIMIT) == closedSlow,
                        closedSlow + " member(s) closed at the outbound limit");
                assertThat(chat.reactor.call(() -> chat.server.tcpRoom().size())).isEqualTo(READERS + 1);
                long shares = chat.reactor.call(() -> chat.server.tcpServer().stats().turnSharesUsed());
                System.out.printf("[figures] burst of %d lines: every reader got all, turn shares used %d%n", lines,
                        shares);
                assertThat(shares).as("the burst was handed on over several turns").isPositive();
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
                for (BurstReader r : readers) {
                    r.join(5000);
                }
            }
        }
    }
}
