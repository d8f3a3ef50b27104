package io.loopwire.reliability;

import io.loopwire.testkit.Rig;
import static io.loopwire.testkit.Rig.figures;
import static io.loopwire.testkit.Rig.ms;
import static io.loopwire.testkit.Rig.onLoop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import io.loopwire.tcp.CloseReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Case 2: garbage from one peer gets a clear error where one is due and changes nothing for anyone else.
 *
 * <p>What is "due": the relay is byte-transparent by design (the wire contract says UTF-8, but the server never
 * decodes), so binary bytes, invalid UTF-8 and NUL bytes in a line are relayed exactly as sent and earn no error. The
 * only TCP error is a line over the frame limit ({@code ! error: line longer than 65536 bytes}, then close). Over UDP
 * a datagram of the largest IPv4 payload is relayed to TCP members (the prefix makes it too big for UDP members: that
 * send fails, is counted, and the endpoint stays up); an empty datagram makes its sender a member (join notice) and
 * relays nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GarbageInputTest {
    private Reactor reactor;
    private ChatServer server;

    @BeforeEach
    void start() throws IOException {
        reactor = new Reactor("garbage-test").start();
        server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
    }

    @AfterEach
    void stop() {
        reactor.close();
    }

    @Test
    void tenMebibytesWithoutNewlineEarnsAnErrorAndACloseOthersUnaffected() throws Exception {
        try (Rig.LineClient observer = new Rig.LineClient(server.tcpAddress());
                Rig.LineClient talker = new Rig.LineClient(server.tcpAddress());
                Rig.LineClient flooder = new Rig.LineClient(server.tcpAddress())) {
            awaitMembers(3);
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'a');
                try {
                    for (int i = 0; i < 160; i++) { // 10 MiB, no newline
                        flooder.out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (IOException expected) {
                    // the server closed the connection under us: that is the point
                }
            }, "flooder");
            writer.start();
            long t0 = System.nanoTime();
            assertThat(flooder.readLine()).isEqualTo("! error: line longer than 65536 bytes");
            long errorAfter = System.nanoTime() - t0;
            writer.join(10_000);
            flooder.socket.shutdownOutput(); // a well-behaved end: the server waits for it, bounded by 2 s anyway
            assertThat(flooder.closedByServerWithin(Duration.ofSeconds(5))).as("flooder closed").isTrue();
            Poll.onLoopUntil(Duration.ofSeconds(5), reactor,
                    () -> server.tcpServer().stats().closed(CloseReason.FRAME_TOO_LONG) == 1,
                    "flooder closed on the server");
            talker.send("still fine");
            List<String> seen = readUntil(observer, "[" + talker.peer() + "] still fine");
            assertThat(seen).noneMatch(l -> l.startsWith("[" + flooder.peer() + "]"));
            long bytesIn = onLoop(reactor, () -> server.tcpServer().stats().bytesIn());
            figures("garbage-long-line", "errorAfter=" + ms(errorAfter) + " clientWrote=" + written.get()
                    + "B serverRead=" + bytesIn + "B closedFrameTooLong=1 observerLines=" + seen.size()
                    + " rss=" + Rig.rssKiB() + "KiB");
        }
    }

    @Test
    void binaryInvalidUtf8AndNulBytesAreRelayedByteForByte() throws Exception {
        try (Rig.LineClient observer = new Rig.LineClient(server.tcpAddress());
                Rig.LineClient sender = new Rig.LineClient(server.tcpAddress())) {
            awaitMembers(2);
            Random random = new Random(42);
            List<byte[]> payloads = new ArrayList<>();
            payloads.add(new byte[] {0, 0, 0, 'n', 'u', 'l', 0});
            payloads.add(new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF, (byte) 0xFE, (byte) 0xED, (byte) 0xA0,
                (byte) 0x80, (byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80});
            byte[] binary = new byte[4096];
            random.nextBytes(binary);
            for (int i = 0; i < binary.length; i++) {
                if (binary[i] == '\n') {
                    binary[i] = 0;
                }
            }
            binary[binary.length - 1] = 'z'; // a trailing '\r' would be taken as part of "\r\n"
            payloads.add(binary);
            for (byte[] p : payloads) {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                line.write(p);
                line.write('\n');
                sender.out.write(line.toByteArray());
            }
            sender.out.flush();
            byte[] prefix = ("[" + sender.peer() + "] ").getBytes(StandardCharsets.US_ASCII);
            int relayed = 0;
            for (byte[] p : payloads) {
                byte[] got;
                do {
                    got = observer.readLineBytes();
                } while (got != null && got.length > 0 && got[0] == '*'); // notices
                byte[] want = new byte[prefix.length + p.length];
                System.arraycopy(prefix, 0, want, 0, prefix.length);
                System.arraycopy(p, 0, want, prefix.length, p.length);
                assertThat(got).as("payload %d relayed byte for byte", relayed).isEqualTo(want);
                relayed++;
            }
            sender.send("still connected");
            readUntil(observer, "[" + sender.peer() + "] still connected");
            assertThat(onLoop(reactor, () -> server.tcpServer().stats().open())).isEqualTo(2);
            figures("garbage-binary", "payloads=" + relayed + " bytes=" + payloads.stream().mapToInt(p -> p.length)
                    .sum() + " relayedByteForByte=true errors=0 closed=0");
        }
    }

    @Test
    void aTrickledLongLineDoesNotStallTheLoop() throws Exception {
        try (Rig.LineClient observer = new Rig.LineClient(server.tcpAddress());
                Rig.LineClient trickler = new Rig.LineClient(server.tcpAddress());
                Rig.LineClient pinger = new Rig.LineClient(server.tcpAddress());
                Rig.LineClient ponger = new Rig.LineClient(server.tcpAddress())) {
            awaitMembers(4);
            int trickleBytes = 4000;
            AtomicBoolean trickling = new AtomicBoolean(true);
            AtomicInteger sent = new AtomicInteger();
            long[] latencies = new long[100_000];
            AtomicInteger count = new AtomicInteger();
            // The pair measures relay latency while the trickler writes one byte per system call.
            Thread reader = new Thread(() -> {
                try {
                    byte[] line;
                    while ((line = ponger.readLineBytes()) != null) {
                        long sentAt = SlowConsumerTest.parseSentNanos(line);
                        int n = count.get();
                        if (sentAt > 0 && n < latencies.length) {
                            latencies[n] = System.nanoTime() - sentAt;
                            count.set(n + 1);
                        }
                    }
                } catch (IOException closed) {
                    // end of test
                }
            }, "ponger");
            reader.setDaemon(true);
            reader.start();
            Thread measurer = new Thread(() -> {
                try {
                    while (trickling.get()) {
                        pinger.send("m t=" + System.nanoTime());
                        sent.incrementAndGet();
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // pacing the sender
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, "pinger");
            measurer.start();
            long t0 = System.nanoTime();
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < trickleBytes; i++) {
                char c = (char) ('a' + i % 26);
                text.append(c);
                trickler.out.write(c);
                trickler.out.flush();
                LockSupport.parkNanos(200_000); // pacing: one byte per write, about a second in all
            }
            trickler.out.write('\n');
            trickler.out.flush();
            long trickleNanos = System.nanoTime() - t0;
            readUntil(observer, "[" + trickler.peer() + "] " + text);
            trickling.set(false);
            measurer.join(5_000);
            int sentByPinger = sent.get();
            Poll.until(Duration.ofSeconds(10), () -> count.get() >= sentByPinger, "pinger's lines relayed");
            int n = count.get();
            long p50 = Rig.quantile(latencies, n, 0.5);
            long p99 = Rig.quantile(latencies, n, 0.99);
            long turns = onLoop(reactor, () -> reactor.stats().turns());
            figures("garbage-trickle", "bytes=" + trickleBytes + " trickleTime=" + ms(trickleNanos)
                    + " concurrentRelays=" + n + " p50=" + ms(p50) + " p99=" + ms(p99) + " max="
                    + ms(n == 0 ? 0 : latencies[n - 1]) + " loopTurns=" + turns);
            assertThat(n).as("the other pair kept chatting").isGreaterThan(10);
            assertThat(p99).as("relay p99 while trickling").isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    @Test
    void largestDatagramIsRelayedTooLargeCannotBeSentEmptyJoinsSilently() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        InetSocketAddress udp = server.udpAddress();
        try (Rig.LineClient observer = new Rig.LineClient(server.tcpAddress());
                DatagramSocket big = new DatagramSocket(0, lo);
                DatagramSocket listener = new DatagramSocket(0, lo);
                DatagramSocket empty = new DatagramSocket(0, lo)) {
            listener.setSoTimeout(5_000);
            big.setSoTimeout(5_000);
            String bigPeer = "127.0.0.1:" + big.getLocalPort();
            String listenerPeer = "127.0.0.1:" + listener.getLocalPort();
            String emptyPeer = "127.0.0.1:" + empty.getLocalPort();
            send(listener, udp, "hello from listener");
            readUntil(observer, "[" + listenerPeer + "] hello from listener");

            byte[] payload = new byte[65_507]; // the largest IPv4 UDP payload
            Arrays.fill(payload, (byte) 'b');
            long undeliverableBefore = onLoop(reactor, () -> server.udpRoom().undeliverable());
            big.send(new DatagramPacket(payload, payload.length, udp));
            List<String> bigSeen = readUntil(observer, "[" + bigPeer + "] b");
            String relayed = bigSeen.get(bigSeen.size() - 1);
            assertThat(relayed).isEqualTo("[" + bigPeer + "] " + "b".repeat(payload.length));
            // To the UDP listener the prefix makes it longer than any datagram: it is skipped for it, and counted.
            Poll.onLoopUntil(Duration.ofSeconds(5), reactor,
                    () -> server.udpRoom().undeliverable() > undeliverableBefore,
                    "oversized relay counted");
            assertThat(onLoop(reactor, () -> server.udpEndpoint().stats().sendErrors())).isZero();

            byte[] tooBig = new byte[100 * 1024];
            assertThatThrownBy(() -> big.send(new DatagramPacket(tooBig, tooBig.length, udp)))
                    .as("a 100 KiB datagram cannot be sent").isInstanceOf(IOException.class);

            empty.send(new DatagramPacket(new byte[0], 0, udp));
            Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> server.udpRelay().memberCount() == 3,
                    "empty datagram made a member");
            send(big, udp, "marker");
            List<String> seen = readUntil(observer, "[" + bigPeer + "] marker");
            assertThat(seen).contains("* " + emptyPeer + " joined");
            assertThat(seen).noneMatch(l -> l.startsWith("[" + emptyPeer + "]"));
            List<String> listenerGot = new ArrayList<>();
            String d;
            do {
                d = receiveLine(listener);
                listenerGot.add(d);
            } while (!d.equals("[" + bigPeer + "] marker"));
            assertThat(listenerGot).noneMatch(l -> l.startsWith("[" + emptyPeer + "]"));
            assertThat(listenerGot).noneMatch(l -> l.length() > 1000);

            send(big, udp, "ping");
            assertThat(receiveSkippingRelays(big)).isEqualTo("ping");
            String stats = onLoop(reactor, () -> server.udpEndpoint().stats().toString());
            figures("garbage-udp", "largestDatagram=65507B relayedToTcp=true relayToUdpSkippedCounted=true "
                    + "100KiB=IOException(" + "sender side) emptyDatagramJoined=true emptyRelayed=false " + stats);
        }
    }

    private void awaitMembers(int n) throws Exception {
        Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> server.tcpRoom().size() == n, n + " members");
    }

    /** Lines read until (and including) {@code wanted}. */
    static List<String> readUntil(Rig.LineClient client, String wanted) throws IOException {
        List<String> seen = new ArrayList<>();
        String l;
        while ((l = client.readLine()) != null) {
            seen.add(l);
            if (l.equals(wanted) || (wanted.endsWith("] b") && l.startsWith(wanted))) {
                return seen;
            }
        }
        throw new AssertionError("end of stream before " + wanted + "; saw " + seen.size() + " lines");
    }

    private static void send(DatagramSocket socket, InetSocketAddress to, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(b, b.length, to));
    }

    static String receive(DatagramSocket socket) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
        socket.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    /** The next datagram, which must be one line ending in {@code '\n'}, without it. */
    static String receiveLine(DatagramSocket socket) throws IOException {
        String d = receive(socket);
        assertThat(d).as("a text datagram from the relay is one line").endsWith("\n");
        return d.substring(0, d.length() - 1);
    }

    private static String receiveSkippingRelays(DatagramSocket socket) throws IOException {
        String d;
        do {
            d = receive(socket);
        } while (d.startsWith("[") || d.startsWith("*"));
        return d;
    }
}
