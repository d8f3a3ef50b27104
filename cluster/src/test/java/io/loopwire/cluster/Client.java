package io.loopwire.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A chat member for tests, over TCP or UDP: sends lines, and a reader thread keeps every line it receives. */
abstract class Client implements AutoCloseable {
    final String name;
    private final List<String> received = new ArrayList<>();
    private final Thread reader;
    volatile boolean closed;

    Client(String name) {
        this.name = name;
        this.reader = new Thread(this::readLoop, "test-client-" + name);
        reader.setDaemon(true);
    }

    void startReading() {
        reader.start();
    }

    static Client tcp(String name, InetSocketAddress server) throws IOException {
        return new Tcp(name, server);
    }

    static Client udp(String name, InetSocketAddress server) throws IOException {
        return new Udp(name, server);
    }

    abstract void send(String text) throws IOException;

    abstract int localPort();

    abstract void readLoop();

    final synchronized void add(String line) {
        received.add(line);
    }

    /** A copy of every line received so far, without line terminators. */
    final synchronized List<String> received() {
        return new ArrayList<>(received);
    }

    @Override
    public String toString() {
        return name;
    }

    private static final class Tcp extends Client {
        private final Socket socket;
        private final OutputStream out;

        Tcp(String name, InetSocketAddress server) throws IOException {
            super(name);
            socket = new Socket();
            socket.connect(server, 5000);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            startReading();
        }

        @Override
        int localPort() {
            return socket.getLocalPort();
        }

        @Override
        void send(String text) throws IOException {
            out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        @Override
        void readLoop() {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    add(line);
                }
            } catch (IOException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            closed = true;
            socket.close();
        }
    }

    private static final class Udp extends Client {
        private final DatagramSocket socket;
        private final InetSocketAddress server;

        Udp(String name, InetSocketAddress server) throws IOException {
            super(name);
            this.server = server;
            socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            socket.setReceiveBufferSize(4 * 1024 * 1024);
            socket.setSoTimeout(200);
            startReading();
        }

        @Override
        int localPort() {
            return socket.getLocalPort();
        }

        @Override
        void send(String text) throws IOException {
            byte[] data = text.getBytes(StandardCharsets.UTF_8);
            socket.send(new DatagramPacket(data, data.length, server));
        }

        @Override
        void readLoop() {
            byte[] buffer = new byte[65536];
            while (!closed) {
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(p);
                    String datagram = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                    // Every text datagram the relay sends is one line ending in '\n'; one without shows as such.
                    add(datagram.endsWith("\n") ? datagram.substring(0, datagram.length() - 1)
                            : "(no line end) " + datagram);
                } catch (SocketTimeoutException e) {
                    // check closed, then read again
                } catch (SocketException e) {
                    return;
                } catch (IOException e) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            socket.close();
        }
    }
}
