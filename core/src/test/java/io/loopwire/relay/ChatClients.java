package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.loopwire.Reactor;
import io.loopwire.testkit.ChatScript;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Test clients for the chat relay, every wait bounded: a line-reading TCP client (splits on {@code '\n'} only, so a
 * stray {@code '\r'} shows), a UDP client, and poll-until-deadline.
 */
final class ChatClients {
    /** How long a message that should arrive may take. Generous: other builds share this machine. */
    static final Duration ARRIVES = Duration.ofSeconds(5);
    /** How long we listen for a message that should not arrive, after a later one proved the server moved on. */
    static final Duration SILENCE = Duration.ofMillis(150);

    private ChatClients() {
    }

    /** {@code ip:port} as the relay names a peer. */
    static String peer(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ':' + address.getPort();
    }

    /** A started reactor with a {@link ChatServer} on loopback port 0 (TCP and UDP), closed together. */
    static final class RunningServer implements AutoCloseable {
        final Reactor reactor;
        final ChatServer server;

        private RunningServer(Reactor reactor, ChatServer server) {
            this.reactor = reactor;
            this.server = server;
        }

        static RunningServer start(UnaryOperator<ChatServer.Builder> config) throws IOException {
            Reactor reactor = new Reactor("relay-test").start();
            try {
                return new RunningServer(reactor, config.apply(ChatServer.builder(reactor).tcpPort(0).udpPort(0))
                        .start());
            } catch (IOException | RuntimeException e) {
                reactor.close();
                throw e;
            }
        }

        InetSocketAddress tcp() {
            return server.tcpAddress();
        }

        InetSocketAddress udp() {
            return server.udpAddress();
        }

        /** UDP members registered now, read on the loop. */
        int udpMembers() {
            return onLoop(() -> server.udpRelay().memberCount());
        }

        /** Members of the TCP room now, read on the loop. */
        int tcpRoomSize() {
            return onLoop(() -> server.tcpRoom().size());
        }

        private <T> T onLoop(Callable<T> query) {
            try {
                return reactor.call(query);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            reactor.close(Duration.ofMillis(500));
        }
    }

    /** A blocking TCP client reading {@code '\n'}-terminated lines with a deadline per read. */
    static final class LineClient implements AutoCloseable {
        private final Socket socket;
        private final String peer;
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buffer = new byte[8192];
        private int start;
        private int end;
        private boolean eof;

        private LineClient(Socket socket) throws IOException {
            this.socket = socket;
            this.peer = ChatClients.peer((InetSocketAddress) socket.getLocalSocketAddress());
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        static LineClient connect(InetSocketAddress server) throws IOException {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(server, 5000);
                return new LineClient(socket);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        Socket socket() {
            return socket;
        }

        /** This client as the relay names it. */
        String peer() {
            return peer;
        }

        /** Writes {@code text} as it is (no newline added). */
        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** This client as a member of a {@link ChatScript}: its very next line must be the one expected. */
        ChatScript.Party party() {
            return ChatScript.party(peer(), this::sendLine,
                    line -> assertThat(readLine()).as("%s's next line", peer()).isEqualTo(line));
        }

        void sendLine(String line) throws IOException {
            send(line + "\n");
        }

        /** The next line without its {@code '\n'} (a {@code '\r'} is kept), or null at end of stream. */
        String readLine() throws IOException {
            return readLine(ARRIVES);
        }

        String readLine(Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                for (int i = start; i < end; i++) {
                    if (buffer[i] == '\n') {
                        line.write(buffer, start, i - start);
                        start = i + 1;
                        return line.toString(StandardCharsets.UTF_8);
                    }
                }
                line.write(buffer, start, end - start);
                start = end = 0;
                if (eof) {
                    if (line.size() > 0) {
                        fail("end of stream after an unfinished line: " + line.toString(StandardCharsets.UTF_8));
                    }
                    return null;
                }
                long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMillis <= 0) {
                    fail(peer() + " got no complete line within " + timeout.toMillis() + " ms; partial: '"
                            + line.toString(StandardCharsets.UTF_8) + "'");
                }
                socket.setSoTimeout((int) leftMillis);
                try {
                    int n = in.read(buffer, 0, buffer.length);
                    if (n < 0) {
                        eof = true;
                    } else {
                        end = n;
                    }
                } catch (SocketTimeoutException e) {
                    // loop: the deadline check above fails the test
                }
            }
        }

        /** Reads lines until one equals {@code expected}, failing on end of stream or timeout. */
        void skipUntil(String expected) throws IOException {
            long deadline = System.nanoTime() + ARRIVES.toNanos();
            String line;
            do {
                line = readLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (line == null) {
                    fail(peer() + ": end of stream before '" + expected + "'");
                }
            } while (!line.equals(expected));
        }

        /** The server closes on us: nothing more arrives but the end of stream. */
        void assertClosedByServer() throws IOException {
            assertThat(readLine()).as("%s expected end of stream", peer()).isNull();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A UDP client bound to an ephemeral loopback port. */
    static final class UdpClient implements AutoCloseable {
        private final DatagramSocket socket;
        private final String peer;
        private final InetSocketAddress server;
        private final byte[] buffer = new byte[65536];

        UdpClient(InetSocketAddress server) throws IOException {
            this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            this.peer = ChatClients.peer((InetSocketAddress) socket.getLocalSocketAddress());
            this.server = server;
        }

        String peer() {
            return peer;
        }

        void send(String text) throws IOException {
            send(text.getBytes(StandardCharsets.UTF_8));
        }

        void send(byte[] data) throws IOException {
            socket.send(new DatagramPacket(data, data.length, server));
        }

        /** The next datagram's bytes; fails if none arrives in time. */
        byte[] receiveBytes(Duration timeout) throws IOException {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                fail(peer() + " got no datagram within " + timeout.toMillis() + " ms");
            }
            assertThat(packet.getSocketAddress()).as("datagram source").isEqualTo(server);
            byte[] data = new byte[packet.getLength()];
            System.arraycopy(buffer, 0, data, 0, data.length);
            return data;
        }

        /** The next datagram's bytes, or {@link SocketTimeoutException} if none arrives within {@code millis}. */
        byte[] receiveBytesOrTimeout(int millis) throws IOException {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            socket.setSoTimeout(millis);
            socket.receive(packet);
            assertThat(packet.getSocketAddress()).as("datagram source").isEqualTo(server);
            return Arrays.copyOf(buffer, packet.getLength());
        }

        /**
         * The next datagram as a line: it must end in {@code '\n'}, as every text the relay sends does (so that
         * {@code nc -u} shows one line per datagram); returned without it.
         */
        String receive() throws IOException {
            String datagram = receiveText();
            assertThat(datagram).as("%s: a text datagram from the relay is one line ending in \\n", peer)
                    .endsWith("\n");
            return datagram.substring(0, datagram.length() - 1);
        }

        /** The next datagram's text as it came: a ping is echoed with its own line end, or none. */
        String receiveText() throws IOException {
            return new String(receiveBytes(ARRIVES), StandardCharsets.UTF_8);
        }

        /** Asserts that nothing arrives within {@link #SILENCE}; call it after a later message proved delivery. */
        void assertNothingArrives() throws IOException {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            socket.setSoTimeout((int) SILENCE.toMillis());
            try {
                socket.receive(packet);
                fail(peer() + " unexpectedly got '" + new String(buffer, 0, packet.getLength(),
                        StandardCharsets.UTF_8) + "'");
            } catch (SocketTimeoutException expected) {
                // nothing came
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** Reads as fast as it can, counting relayed lines ({@code [...] a}) and error lines ({@code ! ...}). */
    static final class BurstReader extends Thread {
        final AtomicLong relayed = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        /** The first error line (as far as its read holds it), or null. */
        volatile String firstError;
        volatile boolean ended;
        private final Socket socket;

        BurstReader(Socket socket) {
            super("burst-reader");
            setDaemon(true);
            this.socket = socket;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[64 * 1024];
            boolean lineStart = true;
            try (InputStream in = socket.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    long relayedHere = 0;
                    for (int i = 0; i < n; i++) {
                        byte b = buffer[i];
                        if (lineStart) {
                            if (b == '[') {
                                relayedHere++;
                            } else if (b == '!') {
                                errors.incrementAndGet();
                                if (firstError == null) {
                                    int end = i;
                                    while (end < n && buffer[end] != '\n') {
                                        end++;
                                    }
                                    firstError = new String(buffer, i, end - i, StandardCharsets.UTF_8);
                                }
                            }
                        }
                        lineStart = b == '\n';
                    }
                    relayed.addAndGet(relayedHere);
                }
                ended = true;
            } catch (Exception closed) {
                if (!socket.isClosed()) {
                    ended = true; // reset by the server
                }
            }
        }
    }
}
