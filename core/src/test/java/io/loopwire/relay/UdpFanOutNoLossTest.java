package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.RunningServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fan-out within capacity loses nothing: 20 UDP members each send a burst of 100 datagrams at once (2,000 inbound,
 * 38,000 deliveries). The server's socket asks a 4 MiB receive buffer, so the burst waits in the kernel while the
 * loop fans out; with the system default (~208 KiB, a few hundred datagrams) most of it was dropped at the server's
 * socket. The clients' own sockets ask 4 MiB too, so any loss counted here is the server's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpFanOutNoLossTest {
    private static final int MEMBERS = 20;
    private static final int BURST = 100;

    @Test
    void burstFromEveryMemberReachesEveryOtherMember() throws Exception {
        List<DatagramChannel> members = new ArrayList<>();
        try (RunningServer chat = RunningServer.start(b -> b)) {
            for (int i = 0; i < MEMBERS; i++) {
                DatagramChannel member = DatagramChannel.open();
                members.add(member);
                member.setOption(StandardSocketOptions.SO_RCVBUF, 4 * 1024 * 1024);
                member.bind(new InetSocketAddress("127.0.0.1", 0));
                member.configureBlocking(false);
                member.send(ByteBuffer.allocate(0), chat.udp());
            }
            Poll.until(() -> chat.udpMembers() == MEMBERS, "every member to join");
            long[] received = new long[MEMBERS];
            readAll(members, received, Duration.ofMillis(200)); // the join notices
            received = new long[MEMBERS];

            ByteBuffer message = ByteBuffer.allocate(64);
            for (int n = 0; n < BURST; n++) {
                for (DatagramChannel member : members) {
                    message.clear();
                    byte[] text = ("message " + n + " of a burst").getBytes(StandardCharsets.US_ASCII);
                    message.put(text);
                    while (message.hasRemaining()) {
                        message.put((byte) '.'); // 64 bytes, as the benchmark's datagrams
                    }
                    message.flip();
                    member.send(message, chat.udp());
                }
            }
            long expected = (long) BURST * (MEMBERS - 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!allAt(received, expected) && System.nanoTime() - deadline < 0) {
                readAll(members, received, Duration.ZERO);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            readAll(members, received, Duration.ofMillis(100)); // nothing beyond: no duplicates
            for (int i = 0; i < MEMBERS; i++) {
                assertThat(received[i]).as("datagrams received by member %d", i).isEqualTo(expected);
            }
            assertThat(chat.reactor.call(() -> chat.server.udpEndpoint().stats().dropped())).isZero();
        } finally {
            for (DatagramChannel member : members) {
                member.close();
            }
        }
    }

    private static boolean allAt(long[] received, long expected) {
        for (long r : received) {
            if (r < expected) {
                return false;
            }
        }
        return true;
    }

    /** Reads whatever waits on every channel, for at least {@code quiet}. */
    private static void readAll(List<DatagramChannel> channels, long[] received, Duration quiet) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        long until = System.nanoTime() + quiet.toNanos();
        do {
            for (int i = 0; i < channels.size(); i++) {
                buffer.clear();
                while (channels.get(i).receive(buffer) != null) {
                    received[i]++;
                    buffer.clear();
                }
            }
        } while (System.nanoTime() - until < 0 && sleepAMoment());
    }

    private static boolean sleepAMoment() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        return true;
    }
}
