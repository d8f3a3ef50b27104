package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Loop 1 made slow (300 UDP members on it: every line is 300 datagrams there) while a member on loop 0 sends at full
 * speed: the window slows loop 0 instead of letting lines pile up, so the heap stays flat (within 64 MiB).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GroupSlowLoopTest {
    private static final int UDP_MEMBERS = 300;
    private static final long HEAP_SLACK = 64L * 1024 * 1024;

    @Test
    void aSlowerLoopSlowsTheSenderAndTheHeapStaysFlat() throws Exception {
        List<DatagramSocket> members = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (TwoLoopRoom chat = new TwoLoopRoom(); Socket sender = new Socket("127.0.0.1", chat.tcp(0).getPort())) {
            byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < UDP_MEMBERS; i++) {
                DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                s.setReceiveBufferSize(16 * 1024); // they never read: the kernel drops what does not fit
                members.add(s);
                s.send(new DatagramPacket(hello, hello.length, chat.udp(1)));
            }
            Poll.until(() -> chat.group.get(1).call(() -> chat.servers.get(1).udpRelay().memberCount())
                    == UDP_MEMBERS, UDP_MEMBERS + " UDP members on loop 1");
            long baseline = liveHeap();
            Thread writer = new Thread(() -> {
                byte[] lines = "a line for three hundred UDP members\n".repeat(200).getBytes(StandardCharsets.US_ASCII);
                try {
                    OutputStream out = sender.getOutputStream();
                    while (!stop.get()) {
                        out.write(lines);
                    }
                } catch (Exception closed) {
                    // the test closed the socket
                }
            }, "slow-loop-sender");
            writer.setDaemon(true);
            writer.start();
            long worst = 0;
            for (int i = 0; i < 4; i++) {
                Thread.sleep(1000); // sampling the heap once a second while the sender runs
                worst = Math.max(worst, liveHeap() - baseline);
            }
            stop.set(true);
            long holds = chat.room.inputHolds(0);
            long delivered = chat.group.get(1).call(() -> chat.room.room(1).foreignLines());
            System.out.printf("[figures] loop 1 with %d UDP members: heap +%d KiB at worst after GC, loop 0 held its"
                    + " input %d times, %d lines delivered on loop 1%n", UDP_MEMBERS, worst / 1024, holds, delivered);
            assertThat(worst).as("heap growth").isLessThanOrEqualTo(HEAP_SLACK);
            assertThat(holds).as("times loop 0 stopped reading").isPositive();
            assertThat(chat.room.linesDropped(1)).as("lines dropped (loop 1 is slow, not stalled)").isZero();
            sender.close();
            writer.join(5000);
        } finally {
            for (DatagramSocket s : members) {
                s.close();
            }
        }
    }

    private static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
