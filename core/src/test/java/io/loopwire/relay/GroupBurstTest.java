package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.BurstReader;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A 1 MiB burst of {@code a\n} lines from one member on loop 0, three fast readers on each of two loops: every reader
 * gets all 524,288 lines and none is closed. Lines reach loop 1 within its per-turn share, never as one lump that
 * would pass a reader's outbound limit in one turn; the window slows the sender instead.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class GroupBurstTest {
    private static final int READERS_PER_LOOP = 3;
    private static final int WARM_UP_LINES = 4000;
    private static final int BURST_BYTES = 1024 * 1024;

    @Test
    void aBurstFromOneLoopReachesEveryFastReaderOnBothLoopsAndClosesNobody() throws Exception {
        burst();
    }

    /** The bar: 10 of 10 runs. */
    @Test
    @Tag("stress")
    void tenBurstsInARow() throws Exception {
        for (int run = 0; run < 10; run++) {
            burst();
        }
    }

    private static void burst() throws Exception {
        int lines = BURST_BYTES / 2;
        try (TwoLoopRoom chat = new TwoLoopRoom(); Socket sender = new Socket("127.0.0.1", chat.tcp(0).getPort())) {
            List<Socket> sockets = new ArrayList<>();
            List<BurstReader> readers = new ArrayList<>();
            try {
                for (int loop = 0; loop < 2; loop++) {
                    for (int i = 0; i < READERS_PER_LOOP; i++) {
                        Socket s = new Socket("127.0.0.1", chat.tcp(loop).getPort());
                        sockets.add(s);
                        BurstReader r = new BurstReader(s);
                        readers.add(r);
                        r.start();
                    }
                }
                Poll.until(() -> chat.members() == 2 * READERS_PER_LOOP + 1, "all joined");
                byte[] data = new byte[BURST_BYTES];
                for (int i = 0; i < data.length; i += 2) {
                    data[i] = 'a';
                    data[i + 1] = '\n';
                }
                OutputStream out = sender.getOutputStream();
                out.write(data, 0, 2 * WARM_UP_LINES); // lets the kernel's buffer autotuning see fast readers first
                out.flush();
                Poll.until(Duration.ofSeconds(60), () -> readers.stream().allMatch(r -> r.relayed.get() >= WARM_UP_LINES
                        || r.errors.get() > 0 || r.ended), "every reader got the warm-up lines");
                long started = System.nanoTime();
                out.write(data);
                out.flush();
                long total = WARM_UP_LINES + lines;
                Poll.until(Duration.ofSeconds(120), () -> readers.stream().allMatch(r -> r.relayed.get() >= total
                        || r.errors.get() > 0 || r.ended), "every reader got " + lines + " lines");
                long millis = (System.nanoTime() - started) / 1_000_000;
                for (int k = 0; k < readers.size(); k++) {
                    BurstReader r = readers.get(k);
                    String who = "reader " + k + " on loop " + k / READERS_PER_LOOP;
                    assertThat(r.errors.get()).as("error lines sent to %s (first: %s)", who, r.firstError).isZero();
                    assertThat(r.ended).as("%s was closed", who).isFalse();
                    assertThat(r.relayed.get()).as("lines relayed to %s", who).isEqualTo(total);
                }
                assertThat(chat.closedTooSlow(0) + chat.closedTooSlow(1)).as("closed as too slow").isZero();
                System.out.printf("[figures] 2 loops, burst of %d lines to %d readers in %d ms; loop 0 held its input"
                        + " %d times%n", lines, readers.size(), millis, chat.room.inputHolds(0));
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
