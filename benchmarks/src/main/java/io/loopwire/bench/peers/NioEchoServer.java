package io.loopwire.bench.peers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;
import tlschannel.NeedsReadException;
import tlschannel.NeedsWriteException;
import tlschannel.ServerTlsChannel;

/**
 * A minimal echo server on one {@link Selector} thread, plaintext or TLS through the {@code tls-channel} library
 * ({@link ServerTlsChannel} over each {@link SocketChannel}, its defaults: heap buffers, released when empty unless
 * told otherwise, delegated tasks run in the calling thread). Whatever one read brings is written back; the read buffer is shared by
 * every connection (one thread), so an idle connection holds only what the channel itself keeps. It is the
 * {@code tls-channel} side of {@code TlsAdapterComparison}.
 *
 * @implNote The selector thread owns every connection; {@link #close} may be called from any thread.
 */
public final class NioEchoServer implements AutoCloseable {
    private final Selector selector;
    private final ServerSocketChannel server;
    private final SSLContext tls;
    private final boolean releaseBuffers;
    private final ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
    private final Thread thread;
    private volatile boolean closed;

    /**
     * Binds to 127.0.0.1 on a free port; {@code tls} null for plaintext. {@code releaseBuffers}: the library's default
     * (true) gives a connection's buffers back whenever they empty; false keeps them for the connection's life.
     */
    public NioEchoServer(SSLContext tls, boolean releaseBuffers) throws IOException {
        this.tls = tls;
        this.releaseBuffers = releaseBuffers;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = new Thread(this::run, tls == null ? "nio-echo" : "tls-channel-echo");
        thread.start();
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** The selector thread (for its CPU time and allocation). */
    public Thread thread() {
        return thread;
    }

    private void run() {
        try {
            while (!closed) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else {
                        ((Connection) key.attachment()).ready(key);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            if (!closed) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private void accept() throws IOException {
        SocketChannel socket;
        while ((socket = server.accept()) != null) {
            socket.configureBlocking(false);
            socket.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            ByteChannel channel = tls == null ? socket : ServerTlsChannel.newBuilder(socket, tls)
                    .withReleaseBuffers(releaseBuffers).build();
            socket.register(selector, SelectionKey.OP_READ, new Connection(channel));
        }
    }

    /** One peer: its channel, and what the socket did not take of an echo (rare on loopback). */
    private final class Connection {
        private final ByteChannel channel;
        private ByteBuffer pending;

        Connection(ByteChannel channel) {
            this.channel = channel;
        }

        void ready(SelectionKey key) {
            try {
                if (pending != null) {
                    channel.write(pending);
                    if (pending.hasRemaining()) {
                        return;
                    }
                    pending = null;
                    key.interestOps(SelectionKey.OP_READ);
                }
                while (true) {
                    buffer.clear();
                    int n = channel.read(buffer);
                    if (n < 0) {
                        close(key);
                        return;
                    }
                    if (n == 0) {
                        return; // plaintext: drained
                    }
                    buffer.flip();
                    try {
                        channel.write(buffer);
                    } finally {
                        if (buffer.hasRemaining()) {
                            pending = ByteBuffer.allocate(buffer.remaining()).put(buffer).flip();
                        }
                    }
                    if (pending != null) {
                        key.interestOps(SelectionKey.OP_WRITE);
                        return;
                    }
                }
            } catch (NeedsReadException e) {
                key.interestOps(SelectionKey.OP_READ);
            } catch (NeedsWriteException e) {
                if (pending == null) {
                    pending = ByteBuffer.allocate(0); // the channel holds ciphertext: a write flushes it
                }
                key.interestOps(SelectionKey.OP_WRITE);
            } catch (IOException e) {
                close(key);
            }
        }

        private void close(SelectionKey key) {
            key.cancel();
            try {
                channel.close();
            } catch (IOException ignored) {
                // gone anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        selector.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {
            key.channel().close();
        }
        selector.close();
    }
}
