package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SocketEchoTest {

    /** Echoes each line back with its newline, copying the frame (it is only valid during the call). */
    static final TcpHandler ECHO = (connection, frame) -> {
        ByteBuffer copy = ByteBuffer.allocate(frame.remaining() + 1);
        copy.put(frame).put((byte) '\n').flip();
        connection.send(copy);
    };

    @Test
    void echoesLinesThroughTheReactor() throws Exception {
        try (Reactor reactor = new Reactor("echo-test").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(ECHO).start();
            try (Socket socket = new Socket("127.0.0.1", server.localAddress().getPort())) {
                OutputStream out = socket.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                out.write("hello\r\nwörld\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                assertThat(in.readLine()).isEqualTo("hello");
                assertThat(in.readLine()).isEqualTo("wörld");
                for (int i = 0; i < 1000; i++) {
                    out.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
                for (int i = 0; i < 1000; i++) {
                    assertThat(in.readLine()).isEqualTo("line " + i);
                }
            }
        }
    }
}
