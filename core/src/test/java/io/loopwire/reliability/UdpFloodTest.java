package io.loopwire.reliability;

import io.loopwire.testkit.Rig;
import static io.loopwire.testkit.Rig.figures;
import static io.loopwire.testkit.Rig.mib;
import static io.loopwire.testkit.Rig.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Case 6: 100,000 datagrams from 500 source ports against a room capped at 50 UDP members. The cap holds at every
 * sample, refused senders get {@code ! error: room full}, idle expiry frees every slot, memory stays bounded; and
 * sending relayed messages to members whose sockets are gone (ICMP port unreachable) never closes the endpoint.
 *
 * <p>The kernel drops what the server's receive buffer cannot hold during the burst; {@code datagramsIn} in the
 * figures says how many reached the relay. On Linux an unconnected UDP socket is not told about ICMP errors, so the
 * "unreachable" part proves the endpoint keeps answering, whatever the platform reports.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpFloodTest {
    private static final int SOCKETS = 500;
    private static final int DATAGRAMS = 100_000;
    private static final int MAX_MEMBERS = 50;

    @Test
    void memberCapHoldsAndIdleExpiryFreesEverySlot() throws Exception {
        Duration idle = Duration.ofMillis(500);
        try (Reactor reactor = new Reactor("udp-flood-test").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).udpMaxMembers(MAX_MEMBERS)
                    .udpIdleTimeout(idle).start();
            InetSocketAddress target = server.udpAddress();
            List<DatagramChannel> sockets = new ArrayList<>();
            long heapStart = Rig.heapAfterGc();
            try {
                for (int i = 0; i < SOCKETS; i++) {
                    DatagramChannel c = DatagramChannel.open();
                    c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                    c.configureBlocking(false);
                    sockets.add(c);
                }
                AtomicInteger maxMembers = new AtomicInteger();
                Thread sampler = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        try {
                            maxMembers.accumulateAndGet(reactor.call(server.udpRelay()::memberCount), Math::max);
                        } catch (Exception e) {
                            return;
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                    }
                }, "member-sampler");
                sampler.setDaemon(true);
                sampler.start();

                ByteBuffer out = ByteBuffer.allocate(64);
                long t0 = System.nanoTime();
                int sent = 0;
                for (int i = 0; i < DATAGRAMS; i++) {
                    out.clear();
                    out.put(("d " + i).getBytes(StandardCharsets.US_ASCII)).flip();
                    if (sockets.get(i % SOCKETS).send(out, target) > 0) {
                        sent++;
                    }
                    if (i % SOCKETS == SOCKETS - 1) {
                        LockSupport.parkNanos(3_000_000); // pacing: 500 datagrams per burst, then 3 ms
                    }
                }
                long sendNanos = System.nanoTime() - t0;
                long peakHeap = Rig.heapNow();
                // Count refused senders that were told, draining every socket's receive queue.
                ByteBuffer in = ByteBuffer.allocate(65_536);
                int told = 0;
                int roomFullReplies = 0;
                for (int round = 0; round < 3; round++) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // let the loop catch up, then drain
                    for (DatagramChannel c : sockets) {
                        boolean gotOne = false;
                        in.clear();
                        while (c.receive(in) != null) {
                            in.flip();
                            if (StandardCharsets.US_ASCII.decode(in).toString().equals("! error: room full\n")) {
                                roomFullReplies++;
                                gotOne = true;
                            }
                            in.clear();
                        }
                        if (gotOne && round == 0) {
                            told++;
                        }
                    }
                }
                int membersAfterBurst = onLoop(reactor, server.udpRelay()::memberCount);
                Poll.onLoopUntil(Duration.ofSeconds(10), reactor, () -> server.udpRelay().memberCount() == 0,
                        "every member expired");
                sampler.interrupt();
                sampler.join(5_000);
                // A refused sender gets in now that slots are free.
                DatagramChannel late = sockets.get(SOCKETS - 1);
                late.send(ByteBuffer.wrap("hello again".getBytes(StandardCharsets.US_ASCII)), target);
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> server.udpRelay().memberCount() == 1,
                        "late sender admitted");
                long heapEnd = Rig.heapAfterGc();
                String stats = onLoop(reactor, () -> server.udpEndpoint().stats().toString());
                long refused = onLoop(reactor, () -> server.udpRelay().refused());
                long expired = onLoop(reactor, () -> server.udpRelay().expired());
                figures("udp-flood", "sockets=" + SOCKETS + " datagramsSent=" + sent + " in " + Rig.ms(sendNanos)
                        + " maxMembersSampled=" + maxMembers + " cap=" + MAX_MEMBERS + " membersAfterBurst="
                        + membersAfterBurst + " refused=" + refused + " roomFullReplies=" + roomFullReplies
                        + " refusedSocketsTold=" + told + " expired=" + expired + " heapAfterGc start/end="
                        + mib(heapStart) + "/" + mib(heapEnd) + " heapPeakNoGc=" + mib(peakHeap) + " rss="
                        + Rig.rssKiB() + "KiB " + stats);
                assertThat(maxMembers.get()).as("cap holds").isLessThanOrEqualTo(MAX_MEMBERS);
                assertThat(refused).isPositive();
                assertThat(roomFullReplies).as("refused senders are told").isPositive();
                assertThat(expired).isGreaterThanOrEqualTo(membersAfterBurst);
                assertThat(heapEnd - heapStart).as("heap back near its start").isLessThan(8L << 20);
            } finally {
                for (DatagramChannel c : sockets) {
                    c.close();
                }
            }
        }
    }

    @Test
    void portUnreachableNeverClosesTheEndpoint() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (Reactor reactor = new Reactor("udp-unreachable-test").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
            InetSocketAddress target = server.udpAddress();
            byte[] hi = "hi".getBytes(StandardCharsets.US_ASCII);
            // Talker and pinger are bound first: a dead member's port, freed by its close, could otherwise be handed
            // to the pinger, which would then be that member and hear the talker's join notice instead of its ping.
            try (DatagramSocket talker = new DatagramSocket(0, lo); DatagramSocket pinger = new DatagramSocket(0, lo)) {
                for (int i = 0; i < 20; i++) {
                    try (DatagramSocket gone = new DatagramSocket(0, lo)) {
                        gone.send(new DatagramPacket(hi, hi.length, target)); // a member, then its socket closes
                    }
                }
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> server.udpRelay().memberCount() == 20,
                        "20 members");
                for (int i = 0; i < 200; i++) {
                    byte[] m = ("to nobody " + i).getBytes(StandardCharsets.US_ASCII);
                    talker.send(new DatagramPacket(m, m.length, target)); // relayed to 20 closed ports
                }
                pinger.setSoTimeout(5_000);
                byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
                int answered = 0;
                for (int i = 0; i < 5; i++) {
                    pinger.send(new DatagramPacket(ping, ping.length, target));
                    assertThat(GarbageInputTest.receive(pinger)).isEqualTo("ping");
                    answered++;
                }
                String stats = onLoop(reactor, () -> server.udpEndpoint().stats().toString());
                figures("udp-unreachable", "deadMembers=20 relaysToDeadPorts=" + 200 * 20 + " pingsAnswered="
                        + answered + " " + stats);
                assertThat(answered).isEqualTo(5);
            }
        }
    }
}
