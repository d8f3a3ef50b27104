package io.loopwire.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.tcp.TcpServer;
import io.loopwire.udp.UdpEndpoint;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * While a loop holds its input, its TCP connections and UDP endpoints read nothing (what peers send waits in the
 * kernel), and the loop does not spin on sockets that stay readable; once the hold is released everything sent
 * meanwhile is read, in order. Frames already carried past a turn's share wait too.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InputHoldTest {
    /** How long "nothing is read" is watched: a loop that ignored the hold would read within a millisecond. */
    private static final Duration QUIET = Duration.ofMillis(300);

    @Test
    void tcpInputWaitsInTheKernelWhileHeldAndArrivesWhenReleased() throws Exception {
        AtomicInteger frames = new AtomicInteger();
        try (Reactor reactor = new Reactor("hold-tcp").start()) {
            TcpServer server = TcpServer.builder(reactor).bind(new InetSocketAddress("127.0.0.1", 0))
                    .maxFramesPerTurn(10)
                    .handler((connection, frame) -> frames.incrementAndGet()).start();
            Loop loop = LoopAccess.of(reactor);
            try (Socket client = new Socket("127.0.0.1", server.localAddress().getPort())) {
                OutputStream out = client.getOutputStream();
                out.write("before\n".getBytes(StandardCharsets.US_ASCII));
                Poll.until(() -> frames.get() == 1, "a frame before the hold");
                reactor.call(() -> {
                    loop.holdInput();
                    loop.holdInput(); // holds count: two holds need two releases
                    return null;
                });
                // More than one turn's share (10 frames), so some would be carried if read.
                out.write("x\n".repeat(100).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long turns = reactor.call(() -> reactor.stats().turns());
                Thread.sleep(QUIET.toMillis()); // watching that nothing happens: no event to wait for
                assertThat(frames.get()).as("frames read while held").isEqualTo(1);
                assertThat(reactor.call(() -> reactor.stats().turns()) - turns).as("turns while held (no spin)")
                        .isLessThan(100);
                reactor.call(() -> {
                    loop.releaseInput();
                    return null;
                });
                Thread.sleep(QUIET.toMillis());
                assertThat(frames.get()).as("frames read with one of two holds left").isEqualTo(1);
                reactor.call(() -> {
                    loop.releaseInput();
                    return null;
                });
                Poll.until(() -> frames.get() == 101, "every frame once the hold is over");
            }
        }
    }

    @Test
    void framesCarriedPastATurnsShareWaitForTheRelease() throws Exception {
        AtomicInteger frames = new AtomicInteger();
        try (Reactor reactor = new Reactor("hold-carry").start()) {
            Loop loop = LoopAccess.of(reactor);
            // The handler takes the hold at the 5th frame: the rest of that read is carried, and must wait.
            TcpServer server = TcpServer.builder(reactor).bind(new InetSocketAddress("127.0.0.1", 0))
                    .maxFramesPerTurn(5)
                    .handler((connection, frame) -> {
                        if (frames.incrementAndGet() == 5) {
                            loop.holdInput();
                        }
                    }).start();
            try (Socket client = new Socket("127.0.0.1", server.localAddress().getPort())) {
                client.getOutputStream().write("x\n".repeat(50).getBytes(StandardCharsets.US_ASCII));
                Poll.until(() -> frames.get() >= 5, "the first share");
                Thread.sleep(QUIET.toMillis());
                assertThat(frames.get()).as("frames handed on while held").isEqualTo(5);
                reactor.call(() -> {
                    loop.releaseInput();
                    return null;
                });
                Poll.until(() -> frames.get() == 50, "the carried frames once released");
            }
        }
    }

    @Test
    void udpDatagramsWaitInTheKernelWhileHeldAndArriveWhenReleased() throws Exception {
        AtomicInteger datagrams = new AtomicInteger();
        try (Reactor reactor = new Reactor("hold-udp").start();
                DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            UdpEndpoint endpoint = reactor.call(() -> UdpEndpoint.builder(reactor)
                    .bind(new InetSocketAddress("127.0.0.1", 0))
                    .handler((e, sender, data) -> datagrams.incrementAndGet()).start());
            Loop loop = LoopAccess.of(reactor);
            reactor.call(() -> {
                loop.holdInput();
                return null;
            });
            byte[] payload = "held".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 20; i++) {
                client.send(new DatagramPacket(payload, payload.length, endpoint.localAddress()));
            }
            long turns = reactor.call(() -> reactor.stats().turns());
            Thread.sleep(QUIET.toMillis());
            assertThat(datagrams.get()).as("datagrams read while held").isZero();
            assertThat(reactor.call(() -> reactor.stats().turns()) - turns).as("turns while held (no spin)")
                    .isLessThan(100);
            reactor.call(() -> {
                loop.releaseInput();
                return null;
            });
            Poll.until(() -> datagrams.get() == 20, "every datagram once the hold is over");
        }
    }
}
