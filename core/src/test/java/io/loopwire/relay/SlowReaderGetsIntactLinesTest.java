package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.tcp.TcpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Relayed lines live in scratch memory reused every loop turn; a recipient whose socket falls behind must keep a
 * copy. A reader that starts late must still get every line intact and in order.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SlowReaderGetsIntactLinesTest {

    @Test
    void linesQueuedForALateReaderSurviveScratchReuse() throws Exception {
        int lines = 20_000;
        try (Reactor reactor = new Reactor("slow-reader-test").start()) {
            // The relay composed by hand, to give its sockets a small send buffer: the late reader's socket must
            // fill up so that leftovers are copied.
            ChatRoom room = new ChatRoom(reactor);
            long maxOutbound = 64L * 1024 * 1024;
            TcpServer server = TcpServer.builder(reactor)
                    .maxOutboundBytes(maxOutbound)
                    .sendBufferBytes(16 * 1024)
                    .handler(new TcpRelay(room, maxOutbound).handler())
                    .start();
            int port = server.localAddress().getPort();
            try (Socket late = new Socket("127.0.0.1", port); Socket sender = new Socket("127.0.0.1", port)) {
                late.setReceiveBufferSize(64 * 1024); // small, so the server's socket buffer fills early
                BufferedReader lateIn = new BufferedReader(new InputStreamReader(late.getInputStream(),
                        StandardCharsets.UTF_8));
                assertThat(lateIn.readLine()).endsWith(" joined");
                OutputStream out = sender.getOutputStream();
                StringBuilder batch = new StringBuilder();
                for (int i = 0; i < lines; i++) {
                    batch.append("message number ").append(i).append(" with some padding to make it longer\n");
                    if (batch.length() > 8192) {
                        out.write(batch.toString().getBytes(StandardCharsets.UTF_8));
                        batch.setLength(0);
                    }
                }
                out.write(batch.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
                // Everything is queued at the server before the late reader starts reading.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (reactor.call(() -> server.stats().framesIn()) < lines) {
                    assertThat(System.nanoTime()).as("server read every line in time").isLessThan(deadline);
                    Thread.onSpinWait();
                }
                String prefix = "[127.0.0.1:" + sender.getLocalPort() + "] ";
                for (int i = 0; i < lines; i++) {
                    assertThat(lateIn.readLine())
                            .isEqualTo(prefix + "message number " + i + " with some padding to make it longer");
                }
                // The queue's accounting survived the copies: everything sent, nothing counted twice.
                long[] queued = new long[1];
                for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); ; Thread.onSpinWait()) {
                    queued[0] = reactor.call(() -> {
                        long[] sum = new long[1];
                        server.forEachConnection(c -> sum[0] += c.queuedBytes());
                        return sum[0];
                    });
                    if (queued[0] == 0 || System.nanoTime() - until > 0) {
                        break;
                    }
                }
                assertThat(queued[0]).isZero();
            }
        }
    }
}
