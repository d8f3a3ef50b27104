package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Under {@link OverflowPolicy#DROP} a full outbound queue drops whole messages for that peer and counts them; the
 * connection stays open and what it does receive is whole messages, in order.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketDropPolicyTest {
    private static final int MESSAGE_BYTES = 1024;
    private static final int MESSAGES = 20_000;

    @Test
    void dropPolicyCountsDropsAndKeepsTheConnection() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        try (Reactor reactor = new Reactor("drop-policy").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).maxOutboundBytes(64 * 1024)
                    .overflowPolicy(OverflowPolicy.DROP).start();
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(4 * 1024);
                client.setSoTimeout((int) Poll.PATIENCE.toMillis());
                client.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()));
                TcpConnection connection = handler.awaitConnection(client);
                // The client does not read: 20 MiB cannot all fit in the queue and kernel buffers.
                int accepted = 0;
                for (int batch = 0; batch < MESSAGES / 100; batch++) {
                    int first = batch * 100;
                    accepted += reactor.call(() -> {
                        int ok = 0;
                        for (int seq = first; seq < first + 100; seq++) {
                            if (connection.send(message(seq))) {
                                ok++;
                            }
                        }
                        return ok;
                    });
                }
                int dropped = MESSAGES - accepted;
                assertThat(dropped).isPositive();
                assertThat(reactor.call(() -> server.stats().messagesDropped())).isEqualTo(dropped);
                assertThat(reactor.call(() -> server.stats().messagesOut())).isEqualTo(accepted);
                assertThat(reactor.call(connection::isOpen)).isTrue();
                assertThat(reactor.call(() -> server.stats().open())).isEqualTo(1);

                // Now read what was kept: whole messages with increasing sequence numbers, nothing torn.
                DataInputStream in = new DataInputStream(client.getInputStream());
                int previous = -1;
                for (int i = 0; i < accepted; i++) {
                    int seq = in.readInt();
                    assertThat(seq).isGreaterThan(previous).isLessThan(MESSAGES);
                    byte[] body = new byte[MESSAGE_BYTES - 4];
                    in.readFully(body);
                    for (int j = 0; j < body.length; j++) {
                        if (body[j] != (byte) (seq + j)) {
                            throw new AssertionError("message " + seq + " torn at byte " + j);
                        }
                    }
                    previous = seq;
                }
                assertThat(previous).as("the last message was sent when the queue had room again")
                        .isLessThan(MESSAGES);
                Poll.onLoopUntil(reactor, () -> connection.queuedBytes() == 0, "the queue to drain");
                assertThat(handler.closed).isEmpty();
                System.out.printf("drop policy: %d of %d messages kept, %d dropped%n", accepted, MESSAGES, dropped);
            }
        }
    }

    private static ByteBuffer message(int seq) {
        ByteBuffer b = ByteBuffer.allocate(MESSAGE_BYTES);
        b.putInt(seq);
        for (int j = 0; j < MESSAGE_BYTES - 4; j++) {
            b.put((byte) (seq + j));
        }
        return b.flip();
    }
}
