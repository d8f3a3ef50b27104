package io.loopwire.reliability;

import io.loopwire.testkit.Rig;
import static io.loopwire.testkit.Rig.figures;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Case 8: {@code reactor.close()} while every client is sending. What "accepted" means: a line the server read and
 * relayed ({@link io.loopwire.relay.ChatRoom#messagesRelayed()}, which equals {@code framesIn} here: no empty lines,
 * no commands). Once closing starts the server stops reading, so a line still in a socket buffer was never accepted
 * and is not owed to anyone. Every accepted line was handed to every other member at once, so every member that keeps
 * reading until the server's end of stream must receive exactly the accepted lines of every other member, in order,
 * each once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GracefulShutdownTest {
    private static final int SENDERS = 4;
    private static final int READERS = 2;

    @Test
    void everyAcceptedMessageReachesEveryReadingMember() throws Exception {
        Reactor reactor = new Reactor("shutdown-test").start();
        // A generous outbound limit: this case is about shutdown, not about slow readers (case 1).
        ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).maxOutboundBytes(32L << 20).start();
        int members = SENDERS + READERS;
        List<Rig.LineClient> clients = new ArrayList<>();
        // received[reader][sender]: lines received; errors: gaps, duplicates, reordering
        long[][] received = new long[members][SENDERS];
        AtomicLong orderErrors = new AtomicLong();
        AtomicLong[] sent = new AtomicLong[SENDERS];
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int i = 0; i < members; i++) {
                clients.add(new Rig.LineClient(server.tcpAddress()));
            }
            Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> server.tcpRoom().size() == members, "all joined");
            for (int r = 0; r < members; r++) {
                int me = r;
                Rig.LineClient c = clients.get(r);
                Thread t = new Thread(() -> {
                    long[] next = new long[SENDERS];
                    try {
                        String l;
                        while ((l = c.readLine()) != null) {
                            int at = l.indexOf("] s");
                            if (at < 0) {
                                continue; // notices
                            }
                            int space = l.indexOf(' ', at + 3);
                            int s = Integer.parseInt(l.substring(at + 3, space));
                            long seq = Long.parseLong(l.substring(space + 1));
                            if (seq != next[s]) {
                                orderErrors.incrementAndGet();
                            }
                            next[s] = seq + 1;
                            received[me][s]++;
                        }
                    } catch (IOException | RuntimeException e) {
                        orderErrors.addAndGet(1_000_000); // a reset instead of a clean end of stream
                    }
                }, "reader-" + r);
                t.start();
                threads.add(t);
            }
            for (int s = 0; s < SENDERS; s++) {
                int me = s;
                sent[s] = new AtomicLong();
                OutputStream out = clients.get(s).out;
                Thread t = new Thread(() -> {
                    StringBuilder batch = new StringBuilder();
                    long seq = 0;
                    try {
                        while (!stop.get()) {
                            batch.setLength(0);
                            for (int k = 0; k < 20; k++) {
                                batch.append('s').append(me).append(' ').append(seq++).append('\n');
                            }
                            out.write(batch.toString().getBytes(StandardCharsets.US_ASCII));
                            sent[me].set(seq);
                            LockSupport.parkNanos(5_000_000); // pacing: 20 lines every 5 ms, a rate readers keep up with
                        }
                    } catch (IOException closedByServer) {
                        // expected once the server is gone
                    }
                }, "sender-" + s);
                t.start();
                threads.add(t);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1500)); // pacing: let the load run
            long t0 = System.nanoTime();
            reactor.close();
            long closeNanos = System.nanoTime() - t0;
            assertThat(reactor.awaitTermination(Duration.ofSeconds(10))).isTrue();
            for (int r = 0; r < members; r++) {
                threads.get(r).join(10_000);
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join(10_000);
            }
            // The loop has terminated (happens-before through awaitTermination): its counters can be read here.
            long accepted = server.tcpServer().stats().framesIn();
            long relayed = server.tcpRoom().messagesRelayed();
            long totalSent = 0;
            long[] perSender = new long[SENDERS];
            for (int s = 0; s < SENDERS; s++) {
                totalSent += sent[s].get();
                perSender[s] = received[s == 0 ? 1 : 0][s];
            }
            long sum = 0;
            for (long v : perSender) {
                sum += v;
            }
            long missing = 0;
            for (int r = 0; r < members; r++) {
                for (int s = 0; s < SENDERS; s++) {
                    if (r != s) {
                        missing += Math.abs(received[r][s] - perSender[s]);
                    }
                }
            }
            figures("graceful-shutdown", "senders=" + SENDERS + " readers=" + READERS + " clientWrote=" + totalSent
                    + " accepted(framesIn)=" + accepted + " relayed=" + relayed + " receivedPerSender="
                    + java.util.Arrays.toString(perSender) + " sum=" + sum + " disagreements=" + missing
                    + " orderErrors=" + orderErrors + " closeTook=" + Rig.ms(closeNanos) + " "
                    + server.tcpServer().stats());
            assertThat(relayed).isEqualTo(accepted);
            assertThat(orderErrors.get()).as("gaps, duplicates, resets").isZero();
            assertThat(missing).as("every reader got the same lines from each sender").isZero();
            assertThat(sum).as("every accepted line delivered").isEqualTo(accepted);
        } finally {
            stop.set(true);
            reactor.close();
            for (Rig.LineClient c : clients) {
                c.close();
            }
        }
    }
}
