package io.loopwire.cluster;

import static io.loopwire.cluster.ClusterNode.NATS_PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.testkit.NatsServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A flood of remote lines takes a bounded share of each turn: node a's member floods the room with 100-byte lines
 * while two local members of node b chat. Asserted: no turn of b's loop delivers more than
 * {@link Inbox#MAX_LINES_PER_TURN} remote lines (before, one task delivered 1,024 and up to 1,024 tasks ran per
 * turn). Printed, not asserted: b's local round trip p50/p99, quiet and under the flood. Its tail is not the loop's:
 * the echoing member also hears the flood, so a local line waits behind the remote lines ahead of it in the same TCP
 * stream, and on a shared two-core machine the flood's threads (nats-server's among them) compete for the CPU.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteFloodLatencyTest {
    static final int ROUNDS = 2_000;

    private final ClusterFixture fixture = new ClusterFixture();

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void localChatLatencyStaysLowWhileRemoteLinesFloodIn() throws Exception {
        NatsServer nats = fixture.startNats();
        ClusterNode a = ClusterNode.start("a", nats.url(), "flood");
        fixture.nodes.add(a);
        ClusterNode b = ClusterNode.start("b", nats.url(), "flood");
        fixture.nodes.add(b);
        try (FloodMember flooder = new FloodMember("flooder", a.tcp());
                Socket pinger = new Socket();
                Socket echoer = new Socket()) {
            pinger.connect(b.tcp(), 5000);
            pinger.setTcpNoDelay(true);
            echoer.connect(b.tcp(), 5000);
            echoer.setTcpNoDelay(true);
            Poll.until(NATS_PATIENCE, () -> a.roomSize() == 1 && b.roomSize() == 2, "members in their rooms");
            long[] mostPerTurn = {0};
            long[] deliveredBefore = {0};
            b.reactor.call(() -> {
                b.reactor.observeTurns(nanos -> {
                    long delivered = b.bridge.stats().delivered();
                    mostPerTurn[0] = Math.max(mostPerTurn[0], delivered - deliveredBefore[0]);
                    deliveredBefore[0] = delivered;
                });
                return null;
            });
            BufferedReader echoIn = reader(echoer);
            Thread discard = new Thread(() -> {
                byte[] sink = new byte[64 * 1024];
                try {
                    while (pinger.getInputStream().read(sink) > 0) {
                        // the pinger hears the room too: keep reading so it is never a slow consumer
                    }
                } catch (Exception e) {
                    // closed
                }
            }, "pinger-discard");
            discard.setDaemon(true);
            discard.start();
            OutputStream pingOut = pinger.getOutputStream();
            String pingerPeer = "[127.0.0.1:" + pinger.getLocalPort() + "] ";

            rounds(pingOut, echoIn, pingerPeer, "w"); // warm-up: JIT, buffers
            long[] quiet = rounds(pingOut, echoIn, pingerPeer, "q");
            byte[] line = new byte[100];
            Arrays.fill(line, (byte) 'f');
            line[99] = '\n';
            flooder.startFlood(line);
            Poll.until(NATS_PATIENCE, () -> b.bridge.stats().received() > 10_000, "the flood reaching b");
            long[] flooded = rounds(pingOut, echoIn, pingerPeer, "f");
            flooder.stopFlood();
            long most = b.reactor.call(() -> mostPerTurn[0]);
            System.out.printf("b's local chat round trip, quiet: p50 %.3f ms p99 %.3f ms; under a remote flood: "
                    + "p50 %.3f ms p99 %.3f ms (b received %d remote lines, dropped %d as the inbox was full; at most"
                    + " %d delivered in one turn)%n", ms(quiet, 0.50), ms(quiet, 0.99), ms(flooded, 0.50),
                    ms(flooded, 0.99), b.bridge.stats().received(), b.bridge.stats().droppedInboxFull(), most);
            assertThat(b.bridge.stats().delivered()).as("remote lines delivered under the flood").isGreaterThan(10_000);
            assertThat(most).as("remote lines delivered in one turn").isBetween(1L, (long) Inbox.MAX_LINES_PER_TURN);
        }
    }

    /** Sends ROUNDS lines from the pinger and waits for each at the echoer, skipping remote lines; nanos each. */
    private static long[] rounds(OutputStream out, BufferedReader in, String prefix, String tag) throws Exception {
        long[] nanos = new long[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            String text = tag + i;
            long start = System.nanoTime();
            out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String expected = prefix + text;
            String got;
            do {
                got = in.readLine(); // bounded by the socket timeout
                assertThat(got).as("the echoer still connected").isNotNull();
            } while (!got.equals(expected));
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return nanos;
    }

    private static double ms(long[] sorted, double quantile) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(quantile * sorted.length))] / 1e6;
    }

    private static BufferedReader reader(Socket s) throws Exception {
        s.setSoTimeout(20_000);
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }
}
