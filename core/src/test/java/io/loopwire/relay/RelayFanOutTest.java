package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.ReactorGroup;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 100 TCP clients send 100 messages each: every message reaches every other client exactly once, in the order its
 * sender sent it, and never its sender. One reader thread per client; every wait bounded.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RelayFanOutTest {
    private static final int CLIENTS = 100;
    private static final int MESSAGES = 100;
    private static final int MESSAGES_PER_WRITE = 10;
    private static final Duration BUDGET = Duration.ofSeconds(20);

    @Test
    void everyMessageReachesEveryOtherClientExactlyOnceInSenderOrder() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b)) {
            fanOut(chat.tcp(), () -> { },
                    () -> chat.reactor.call(() -> chat.server.tcpRoom().messagesRelayed()));
        }
    }

    /** The same, with two loops (SO_REUSEPORT listeners) joined by a {@link GroupRoom}: members on both. */
    @Test
    void everyMessageReachesEveryOtherClientExactlyOnceWithMembersSpreadOverTwoLoops() throws Exception {
        ReactorGroup group = new ReactorGroup(2);
        GroupRoom room = new GroupRoom(group);
        try {
            ChatServer first = ChatServer.builder(group.get(0)).room(room.room(0)).reusePort(true)
                    .tcpPort(0).udpPort(0).start();
            ChatServer.builder(group.get(1)).room(room.room(1)).reusePort(true)
                    .tcpPort(first.tcpAddress().getPort()).udpPort(first.udpAddress().getPort()).start();
            group.start();
            fanOut(first.tcpAddress(), () -> {
                Poll.until(BUDGET, () -> group.get(0).call(() -> room.room(0).size())
                        + group.get(1).call(() -> room.room(1).size()) == CLIENTS, "all members in");
                // Every join batch handed over: each loop has ended a turn since, then each has run what it got.
                for (int round = 0; round < 2; round++) {
                    group.get(0).call(() -> null);
                    group.get(1).call(() -> null);
                }
                int onFirst = group.get(0).call(() -> room.room(0).size());
                int onSecond = group.get(1).call(() -> room.room(1).size());
                // The kernel hashes each connection to one listener: 100 all on one loop has odds of 2^-99.
                assertThat(onFirst).as("members on loop 0").isPositive();
                assertThat(onSecond).as("members on loop 1").isPositive();
            }, () -> group.get(0).call(() -> room.room(0).messagesRelayed())
                    + group.get(1).call(() -> room.room(1).messagesRelayed()));
            assertThat(room.batchesSent(0) + room.batchesSent(1)).as("cross-loop batches").isPositive();
        } finally {
            group.close(Duration.ofMillis(500));
        }
    }

    /** The bar for two loops: three runs in a row, 0 lost, 0 duplicated, 0 closed. */
    @Test
    @Tag("stress")
    void threeRunsOverTwoLoops() throws Exception {
        for (int run = 0; run < 3; run++) {
            everyMessageReachesEveryOtherClientExactlyOnceWithMembersSpreadOverTwoLoops();
        }
    }

    /** Runs the fan-out against {@code tcp}; {@code afterJoins} checks the room once everyone is in. */
    private static void fanOut(InetSocketAddress tcp, ThrowingRunnable afterJoins, Callable<Long> messagesRelayed)
            throws Exception {
        AtomicInteger joinsSeen = new AtomicInteger();
        CountDownLatch finished = new CountDownLatch(CLIENTS);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        List<LineClient> clients = new ArrayList<>();
        List<Reader> readers = new ArrayList<>();
        {
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    LineClient client = LineClient.connect(tcp);
                    clients.add(client);
                    Reader reader = new Reader(client, joinsSeen, finished, problems);
                    readers.add(reader);
                    reader.start();
                }
                // Client i sees the joins of the clients after it: everyone is a member once all are seen. (Across
                // loops, two members joining at the same moment may each see the other's join: at least that many.)
                int allJoins = CLIENTS * (CLIENTS - 1) / 2;
                Poll.until(BUDGET, () -> joinsSeen.get() >= allJoins || !problems.isEmpty(),
                        allJoins + " join notices");
                assertThat(problems).isEmpty();
                afterJoins.run();

                // Interleave the senders: each round, every client writes a batch of its next lines.
                for (int first = 0; first < MESSAGES; first += MESSAGES_PER_WRITE) {
                    for (LineClient client : clients) {
                        StringBuilder batch = new StringBuilder();
                        for (int seq = first; seq < first + MESSAGES_PER_WRITE; seq++) {
                            batch.append("m ").append(seq).append('\n');
                        }
                        client.send(batch.toString());
                    }
                }
                // A last line from each: anything duplicated would arrive before it (TCP keeps sender order).
                for (LineClient client : clients) {
                    client.sendLine("fin");
                }
                boolean done = finished.await(BUDGET.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(problems).isEmpty();
                assertThat(done).as("all readers saw every fin within %s", BUDGET).isTrue();
                for (Reader reader : readers) {
                    assertThat(reader.delivered).as("messages delivered to %s", reader.self)
                            .isEqualTo((CLIENTS - 1) * MESSAGES);
                }
                assertThat(messagesRelayed.call()).isEqualTo((long) CLIENTS * (MESSAGES + 1));
            } finally {
                for (LineClient client : clients) {
                    client.close();
                }
                for (Reader reader : readers) {
                    reader.join(TimeUnit.SECONDS.toMillis(5));
                }
            }
        }
    }

    /** A check that may throw. */
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Reads one client's lines until it has seen every other client's {@code fin}. */
    private static final class Reader extends Thread {
        private final LineClient client;
        private final String self;
        private final AtomicInteger joinsSeen;
        private final CountDownLatch finished;
        private final ConcurrentLinkedQueue<String> problems;
        private final Map<String, Integer> nextSeq = new HashMap<>();
        volatile int delivered;

        Reader(LineClient client, AtomicInteger joinsSeen, CountDownLatch finished,
                ConcurrentLinkedQueue<String> problems) {
            super("fan-out-reader-" + client.peer());
            setDaemon(true);
            this.client = client;
            this.self = client.peer();
            this.joinsSeen = joinsSeen;
            this.finished = finished;
            this.problems = problems;
        }

        @Override
        public void run() {
            try {
                int fins = 0;
                int count = 0;
                while (fins < CLIENTS - 1) {
                    String line = client.readLine(BUDGET.plus(BUDGET));
                    if (line == null) {
                        problems.add(self + ": end of stream after " + count + " messages");
                        return;
                    }
                    if (line.startsWith("* ") && line.endsWith(" joined")) {
                        joinsSeen.incrementAndGet();
                        continue;
                    }
                    int close = line.indexOf("] ");
                    if (!line.startsWith("[") || close < 0) {
                        problems.add(self + ": unexpected line '" + line + "'");
                        return;
                    }
                    String sender = line.substring(1, close);
                    String text = line.substring(close + 2);
                    if (sender.equals(self)) {
                        problems.add(self + ": got its own message '" + line + "'");
                        return;
                    }
                    int expected = nextSeq.getOrDefault(sender, 0);
                    if (text.equals("fin")) {
                        if (expected != MESSAGES) {
                            problems.add(self + ": fin from " + sender + " after " + expected + " messages");
                            return;
                        }
                        nextSeq.put(sender, expected + 1);
                        fins++;
                        continue;
                    }
                    if (!text.equals("m " + expected)) {
                        problems.add(self + ": from " + sender + " expected 'm " + expected + "', got '" + text + "'");
                        return;
                    }
                    nextSeq.put(sender, expected + 1);
                    delivered = ++count;
                }
                finished.countDown();
            } catch (Throwable t) {
                problems.add(self + ": " + t);
            }
        }
    }
}
