package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Frames are cut right whatever the reads look like: many frames in one read, one frame over many reads, and a
 * stream cut at random points. Each chunk is written only after the server has read the previous one, so every
 * chunk is a read of its own.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketFramingTest {

    @Test
    void manySmallFramesInOneReadAreAllDelivered() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        try (Reactor reactor = new Reactor("framing-many").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).start();
            try (Socket client = connect(server)) {
                StringBuilder burst = new StringBuilder();
                for (int i = 0; i < 2_000; i++) {
                    burst.append("frame ").append(i).append(i % 2 == 0 ? "\n" : "\r\n");
                }
                byte[] bytes = burst.toString().getBytes(StandardCharsets.US_ASCII);
                assertThat(bytes.length).isLessThan(Reactor.READ_BUFFER_BYTES); // fits one read
                client.getOutputStream().write(bytes);
                BufferedReader in = reader(client);
                for (int i = 0; i < 2_000; i++) {
                    assertThat(in.readLine()).isEqualTo("frame " + i);
                }
                assertThat(reactor.call(() -> server.stats().framesIn())).isEqualTo(2_000);
                assertThat(reactor.call(() -> server.stats().bytesIn())).isEqualTo(bytes.length);
            }
        }
    }

    @Test
    void oneFrameSplitAcrossManyReadsIsDeliveredWhole() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        Random random = new Random(42);
        try (Reactor reactor = new Reactor("framing-split").start()) {
            TcpServer server = TcpServer.builder(reactor).handler(handler).start();
            try (Socket client = connect(server)) {
                byte[] line = new byte[50_000];
                for (int i = 0; i < line.length; i++) {
                    line[i] = (byte) ('a' + random.nextInt(26));
                }
                byte[] withNewline = Arrays.copyOf(line, line.length + 1);
                withNewline[line.length] = '\n';
                int reads = writeInRandomChunks(reactor, server, client, withNewline, 60, random);
                assertThat(reads).isGreaterThan(30);
                byte[] echoed = Poll.readExactly(client, withNewline.length);
                assertThat(echoed).isEqualTo(withNewline);
                assertThat(reactor.call(() -> server.stats().framesIn())).isEqualTo(1);
            }
        }
    }

    @Test
    void aStreamCutAtRandomPointsYieldsTheSameFrames() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Random random = new Random(seed);
            RecordingHandler handler = new RecordingHandler();
            try (Reactor reactor = new Reactor("framing-random-" + seed).start()) {
                TcpServer server = TcpServer.builder(reactor).handler(handler).start();
                try (Socket client = connect(server)) {
                    List<String> lines = new ArrayList<>();
                    StringBuilder stream = new StringBuilder();
                    for (int i = 0; i < 300; i++) {
                        int length = random.nextInt(10) == 0 ? random.nextInt(5_000) : random.nextInt(40);
                        StringBuilder line = new StringBuilder().append(i).append(':');
                        for (int j = 0; j < length; j++) {
                            line.append((char) ('!' + random.nextInt(90)));
                        }
                        lines.add(line.toString());
                        stream.append(line).append(random.nextBoolean() ? "\n" : "\r\n");
                    }
                    byte[] bytes = stream.toString().getBytes(StandardCharsets.US_ASCII);
                    writeInRandomChunks(reactor, server, client, bytes, 100, random);
                    BufferedReader in = reader(client);
                    for (String expected : lines) {
                        assertThat(in.readLine()).isEqualTo(expected);
                    }
                    assertThat(reactor.call(() -> server.stats().framesIn())).isEqualTo(lines.size());
                }
            }
        }
    }

    /**
     * Writes {@code bytes} in about {@code chunks} pieces cut at random points, waiting after each piece until the
     * server has read it. Returns the number of pieces.
     */
    private static int writeInRandomChunks(Reactor reactor, TcpServer server, Socket client, byte[] bytes, int chunks,
            Random random) throws Exception {
        int[] cuts = random.ints(chunks - 1, 1, bytes.length).sorted().distinct().toArray();
        OutputStream out = client.getOutputStream();
        long before = reactor.call(() -> server.stats().bytesIn());
        int start = 0;
        int pieces = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int end = i < cuts.length ? cuts[i] : bytes.length;
            out.write(bytes, start, end - start);
            out.flush();
            long expected = before + end;
            Poll.onLoopUntil(reactor, () -> server.stats().bytesIn() == expected, "the server to read " + end
                    + " bytes");
            start = end;
            pieces++;
        }
        return pieces;
    }

    static Socket connect(TcpServer server) throws Exception {
        Socket socket = new Socket("127.0.0.1", server.localAddress().getPort());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) Poll.PATIENCE.toMillis());
        return socket;
    }

    static BufferedReader reader(Socket socket) throws Exception {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }
}
