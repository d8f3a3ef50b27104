package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.io.DataInputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One buffer object queued several times, with the same or different ranges, must go out exactly as queued: a
 * gathering write sees each array element's range as it is when the write starts.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SameBufferQueuedTwiceTest {

    @Test
    void oneBufferQueuedWithSeveralRangesIsWrittenInOrder() throws Exception {
        ByteBuffer shared = ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.US_ASCII));
        StringBuilder expected = new StringBuilder();
        try (Reactor reactor = new Reactor("same-buffer-test").start()) {
            TcpServer server = TcpServer.builder(reactor).handler((connection, frame) -> {
                for (int i = 0; i < 3000; i++) {
                    int from = i % 10;
                    connection.send(shared.limit(10).position(from)); // ranges differ from one send to the next
                    connection.send(shared.limit(10).position(0));    // and repeat
                }
            }).start();
            for (int i = 0; i < 3000; i++) {
                expected.append("0123456789", i % 10, 10).append("0123456789");
            }
            try (Socket socket = new Socket("127.0.0.1", server.localAddress().getPort())) {
                socket.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
                byte[] received = new byte[expected.length()];
                new DataInputStream(socket.getInputStream()).readFully(received);
                assertThat(new String(received, StandardCharsets.US_ASCII)).isEqualTo(expected.toString());
            }
        }
    }
}
