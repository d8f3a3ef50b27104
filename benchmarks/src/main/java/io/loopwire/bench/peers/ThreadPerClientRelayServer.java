package io.loopwire.bench.peers;

import io.loopwire.bench.Cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The original system's design, in Java: the baseline loopwire replaces. A blocking {@link ServerSocket}, one
 * platform thread per client reading lines, a shared synchronized client list, and each line relayed to the
 * others by writing on their sockets from the sender's thread; a blocking {@link DatagramSocket} thread answers
 * {@code ping} and echoes LWP1 probes. Same wire format and {@code ready} line as the other peers.
 *
 * <p>Honest limitations, inherent to the design (not fixed here, since they are what is being measured):
 * <ul>
 *   <li>One thread (stack, scheduler entry, context switches) per client: 1000 clients are 1000 threads.</li>
 *   <li>Every relayed line costs one {@code write} syscall per recipient, from whichever thread sent it; writes to
 *       one recipient from several senders serialise on that recipient's lock.</li>
 *   <li>No outbound bound: a recipient that stops reading fills its socket buffer, then blocks every sender
 *       that writes to it (and, transitively, their readers). There is no slow-consumer policy.</li>
 *   <li>TCP_NODELAY is on (unlike the Python original, which waited on Nagle and delayed ACKs), so latency
 *       differences come from the threading model, not from Nagle.</li>
 *   <li>The line limit is checked in UTF-16 chars after {@code readLine} has buffered the whole line.</li>
 *   <li>UDP: one thread, no chat room, only {@code ping} and probes are answered.</li>
 * </ul>
 *
 * @implNote The client list is guarded by {@code lock} and copied on join/leave, so a broadcast iterates a
 *     snapshot without holding the lock; each {@link Client#send} is synchronized on that client.
 */
public final class ThreadPerClientRelayServer implements AutoCloseable {
    public static final int MAX_LINE_CHARS = 65536;

    private final ServerSocket serverSocket;
    private final DatagramSocket udpSocket;
    private final Thread acceptThread;
    private final Thread udpThread;
    private final Object lock = new Object();
    private Client[] clients = new Client[0]; // guarded by lock; replaced, never mutated
    private volatile boolean closed;

    private ThreadPerClientRelayServer(ServerSocket serverSocket, DatagramSocket udpSocket) {
        this.serverSocket = serverSocket;
        this.udpSocket = udpSocket;
        this.acceptThread = new Thread(this::acceptLoop, "tpc-accept");
        this.udpThread = new Thread(this::udpLoop, "tpc-udp");
    }

    public static ThreadPerClientRelayServer start(InetSocketAddress tcpBind, InetSocketAddress udpBind)
            throws IOException {
        ServerSocket ss = new ServerSocket();
        DatagramSocket ds = null;
        try {
            ss.setReuseAddress(true);
            ss.bind(tcpBind, 1024);
            ds = new DatagramSocket(udpBind);
            ThreadPerClientRelayServer server = new ThreadPerClientRelayServer(ss, ds);
            server.acceptThread.start();
            server.udpThread.start();
            return server;
        } catch (IOException | RuntimeException e) {
            ss.close();
            if (ds != null) {
                ds.close();
            }
            throw e;
        }
    }

    public InetSocketAddress tcpAddress() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    public InetSocketAddress udpAddress() {
        return (InetSocketAddress) udpSocket.getLocalSocketAddress();
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        PeerMain.Options o = PeerMain.parse(args, "usage: java -cp benchmarks.jar "
                + ThreadPerClientRelayServer.class.getName() + " " + PeerMain.USAGE_OPTIONS);
        ThreadPerClientRelayServer server = start(o.tcp(), o.udp());
        PeerMain.serveUntilKilled(server.tcpAddress(), server.udpAddress(), server);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        udpSocket.close();
        Client[] all;
        synchronized (lock) {
            all = clients;
        }
        for (Client c : all) {
            c.closeSocket();
        }
        acceptThread.join(2000);
        udpThread.join(2000);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = serverSocket.accept();
                s.setTcpNoDelay(true);
                Client c = new Client(s);
                Thread t = new Thread(c, "tpc-client-" + c.name);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("accept failed: " + e);
                    sleepQuietly(100); // EMFILE and friends: back off instead of spinning
                }
            }
        }
    }

    private Client[] snapshot() {
        synchronized (lock) {
            return clients;
        }
    }

    private void add(Client c) {
        synchronized (lock) {
            Client[] next = Arrays.copyOf(clients, clients.length + 1);
            next[clients.length] = c;
            clients = next;
        }
    }

    private boolean remove(Client c) {
        synchronized (lock) {
            for (int i = 0; i < clients.length; i++) {
                if (clients[i] == c) {
                    Client[] next = new Client[clients.length - 1];
                    System.arraycopy(clients, 0, next, 0, i);
                    System.arraycopy(clients, i + 1, next, i, clients.length - i - 1);
                    clients = next;
                    return true;
                }
            }
            return false;
        }
    }

    private void relay(Client from, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (Client c : snapshot()) {
            if (c != from) {
                c.send(bytes);
            }
        }
    }

    private final class Client implements Runnable {
        private final Socket socket;
        private final OutputStream out;
        private final String name;

        Client(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.name = Cli.hostPort((InetSocketAddress) socket.getRemoteSocketAddress());
        }

        @Override
        public void run() {
            add(this);
            relay(this, "* " + name + " joined\n");
            String prefix = "[" + name + "] ";
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.equals("/quit") || line.equals("/sair")) {
                        break;
                    }
                    if (line.length() > MAX_LINE_CHARS) {
                        send(("! error: line longer than " + MAX_LINE_CHARS + " bytes\n")
                                .getBytes(StandardCharsets.UTF_8));
                        break;
                    }
                    relay(this, prefix + line + "\n");
                }
            } catch (IOException e) {
                // reset or closed by a failed write: leave below
            } finally {
                closeSocket();
                if (remove(this)) {
                    relay(this, "* " + name + " left\n");
                }
            }
        }

        synchronized void send(byte[] bytes) {
            try {
                out.write(bytes); // raw socket stream: one write syscall per line per recipient
            } catch (IOException e) {
                closeSocket(); // its reader thread sees the close and leaves
            }
        }

        void closeSocket() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private void udpLoop() {
        byte[] buf = new byte[65536];
        byte[] pong = "ping".getBytes(StandardCharsets.US_ASCII);
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        while (!closed) {
            try {
                in.setData(buf);
                udpSocket.receive(in);
                if (PeerMain.isProbe(buf, in.getOffset(), in.getLength())) {
                    if (!PeerMain.isReply(buf, in.getOffset())) {
                        PeerMain.markReply(buf, in.getOffset());
                        udpSocket.send(new DatagramPacket(buf, in.getOffset(), in.getLength(),
                                in.getSocketAddress()));
                    }
                } else if (PeerMain.isPing(buf, in.getOffset(), in.getLength())) {
                    udpSocket.send(new DatagramPacket(pong, pong.length, in.getSocketAddress()));
                }
            } catch (SocketException e) {
                if (!closed) {
                    System.err.println("udp: " + e); // e.g. ICMP unreachable from an earlier reply: keep serving
                }
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("udp: " + e);
                }
            }
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
