package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.relay.ChatClients.UdpClient;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17: a stranger that picks a source port landing in a validated member's budget slot and sends about 1,000
 * one-byte datagrams a second used to make the member lose 93 % of its pings. A member's budget is now its own, and
 * the strangers' slots are chosen by a keyed hash; the stranger is aimed here with the relay's own (package-private)
 * slot function, which an attacker outside the process cannot compute, and the member still loses nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StrangerAimedAtAMemberTest {
    private static final String PADDED = "/hello" + " ".repeat(58);
    private static final int PINGS = 150;

    @Test
    void aStrangerInAMembersSlotLeavesItsPingsAtZeroLoss() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b.udpJoinMode(JoinMode.VALIDATED).udpBudgets(true));
                UdpClient member = new UdpClient(chat.udp())) {
            member.send(PADDED);
            String challenge = member.receive();
            member.send("/join " + challenge.substring("* validate ".length()));
            assertThat(member.receive()).isEqualTo("* welcome");

            UdpRelay relay = chat.server.udpRelay();
            InetSocketAddress memberAddress = parse(member.peer());
            int slot = chat.reactor.call(() -> relay.sourceLimiter().slotOf(memberAddress));
            try (DatagramSocket stranger = bindColliding(chat, relay, slot, memberAddress.getPort())) {
                AtomicBoolean flooding = new AtomicBoolean(true);
                AtomicLong floodSent = new AtomicLong();
                Thread flood = new Thread(() -> {
                    byte[] one = {'x'};
                    DatagramPacket packet = new DatagramPacket(one, 1, chat.udp());
                    long next = System.nanoTime();
                    while (flooding.get()) {
                        try {
                            stranger.send(packet); // about 1,000 a second, as in the issue
                            floodSent.incrementAndGet();
                        } catch (Exception e) {
                            return;
                        }
                        next += 1_000_000;
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                }, "stranger-flood");
                flood.setDaemon(true);
                flood.start();
                long lost = 0;
                try {
                    // Past the stranger's 2 s burst (200 datagrams) first, so its slot is spent when the pings run.
                    Poll.until(Duration.ofSeconds(5), () -> floodSent.get() >= 400, "the stranger to spend its slot");
                    for (int i = 0; i < PINGS; i++) {
                        member.send("ping");
                        if (!pingCameBack(member) && ++lost == 10) {
                            break; // enough to fail; the rest would only take time
                        }
                        LockSupport.parkNanos(20_000_000L); // 50 pings/s: within 100/s
                    }
                } finally {
                    flooding.set(false);
                    flood.join(2000);
                }
                long dropped = chat.reactor.call(relay::overSourceBudget);
                System.out.printf("stranger in the member's slot (%d datagrams, %d over budget): member lost %d of %d "
                        + "pings%n", floodSent.get(), dropped, lost, PINGS);
                assertThat(dropped).as("the stranger was really throttled in that slot").isPositive();
                assertThat(lost).as("member's pings lost").isZero();
            }
        }
    }

    /** Waits up to 300 ms (loopback RTT is well under 1 ms) for {@code ping} back. */
    private static boolean pingCameBack(UdpClient member) throws Exception {
        try {
            return "ping".equals(new String(member.receiveBytesOrTimeout(300), StandardCharsets.UTF_8));
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** A socket on 127.0.0.1 at a port whose address the relay puts in {@code slot}. */
    private static DatagramSocket bindColliding(RunningServer chat, UdpRelay relay, int slot, int exclude)
            throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int tried = 0;
        for (int port = 1024; port < 65536; port++) {
            if (port == exclude || port == chat.udp().getPort()) {
                continue;
            }
            InetSocketAddress candidate = new InetSocketAddress(loopback, port);
            if (chat.reactor.call(() -> relay.sourceLimiter().slotOf(candidate)) != slot) {
                continue;
            }
            tried++;
            try {
                return new DatagramSocket(candidate);
            } catch (BindException e) {
                // taken: try the next colliding port
            }
        }
        Assumptions.abort("no free port of 127.0.0.1 lands in slot " + slot + " (" + tried + " colliding, all taken)");
        return null;
    }

    private static InetSocketAddress parse(String peer) {
        int colon = peer.lastIndexOf(':');
        return new InetSocketAddress(peer.substring(0, colon), Integer.parseInt(peer.substring(colon + 1)));
    }
}
