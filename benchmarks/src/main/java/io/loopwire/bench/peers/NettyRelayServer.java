package io.loopwire.bench.peers;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.loopwire.bench.Cli;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * The chat relay and UDP echo written as an expert Netty 4.2 user would, on ONE event loop (boss, children
 * and the datagram channel share {@code MultiThreadIoEventLoopGroup(1, ...)}), so it is a fair peer for loopwire's
 * single {@code Selector} loop. The transport is a switch ({@link NettyTransport}): NIO (the JDK selector, like
 * loopwire), or Netty's native {@code epoll} or {@code io_uring}; the handlers are the same on all three.
 *
 * <p>Wire behaviour as loopwire's chat server (the README's wire contract): lines up to 65536 bytes ending
 * {@code \n} or {@code \r\n}; each goes to every other member as {@code [<ip>:<port>] <text>\n}; joins and leaves
 * are announced as {@code * <ip>:<port> joined|left}; {@code /quit} or {@code /sair} flushes and closes; a longer
 * line gets {@code ! error: line longer than 65536 bytes} and a close. UDP: {@code ping} is answered {@code ping};
 * an LWP1 probe is echoed with its reply mark set (a reply is never answered); any other datagram from a new address
 * makes it a member of the same room (open join, as loopwire on loopback), its text (one trailing newline dropped;
 * empty says nothing) goes to every other member as {@code [<ip>:<port>] <text>\n} (one datagram for each UDP
 * recipient, as loopwire sends it), {@code /quit} or {@code /sair} leaves. Not in this peer: UDP idle expiry, the
 * member cap, validated joins and budgets (benchmark traffic never needs them). The datagram socket asks a 4 MiB
 * SO_RCVBUF.
 *
 * <p>TLS ({@link Tls}, {@code --tls-port P --tls-cert F --tls-key F}): a second listener in the same room whose
 * pipeline starts with Netty's {@code SslHandler} on the JDK provider ({@code SslProvider.JDK}, the same
 * {@code SSLEngine} loopwire drives), TLS 1.3 and 1.2 with the JDK's default cipher suites (what loopwire enables).
 * A TLS member joins the room when its handshake completes, as loopwire's does. The engine's delegated tasks run on
 * the event loop (the {@code SslContext.newHandler(alloc)} default).
 *
 * <p>Hot path: the relayed line is encoded once into a pooled direct buffer (Netty 4.2's default allocator) and
 * each recipient gets a {@code retainedDuplicate()} written with the channel's void promise. Flushes are
 * coalesced: a written-to recipient is marked dirty, and one task per event-loop iteration, run after the I/O
 * phase, flushes every dirty channel once. Outbound is bounded by a write-buffer water mark (high 1 MiB): a
 * recipient still unwritable when the next message for it arrives is closed as a slow consumer.
 *
 * @implNote Thread-safe entry points are {@link #start} and {@link #close}; everything else runs on the one event
 *     loop, so the room needs no locks.
 */
public final class NettyRelayServer implements AutoCloseable {
    /** Longest accepted line, delimiter excluded. */
    public static final int MAX_LINE_BYTES = 65536;
    /** Outbound bytes a recipient may have queued before it counts as a slow consumer. */
    public static final int MAX_OUTBOUND_BYTES = 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(NettyRelayServer.class);
    private static final ByteBuf PING = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(4).writeBytes("ping".getBytes(StandardCharsets.US_ASCII)));

    private final EventLoopGroup group;
    private final Channel tcp;
    private final Channel udp;
    private final Channel tls;

    private NettyRelayServer(EventLoopGroup group, Channel tcp, Channel udp, Channel tls) {
        this.group = group;
        this.tcp = tcp;
        this.udp = udp;
        this.tls = tls;
    }

    /** A TLS listener: where to bind it (port 0 allowed) and its server context ({@link #serverContext}). */
    public record Tls(InetSocketAddress bind, SslContext context) {
    }

    /**
     * A server {@code SslContext} on the JDK provider from a PEM certificate chain and an unencrypted PKCS#8 key:
     * TLS 1.3 and 1.2, the JDK's default cipher suites (not Netty's own list), as loopwire's server.
     */
    public static SslContext serverContext(Path certChain, Path key) throws IOException {
        try {
            List<String> suites = List.of(SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites());
            return SslContextBuilder.forServer(certChain.toFile(), key.toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .ciphers(suites)
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** Binds TCP and UDP (port 0 allowed) and starts serving on the NIO transport. */
    public static NettyRelayServer start(InetSocketAddress tcpBind, InetSocketAddress udpBind)
            throws InterruptedException {
        return start(tcpBind, udpBind, NettyTransport.NIO);
    }

    /**
     * Binds TCP and UDP (port 0 allowed) and starts serving on {@code transport}.
     *
     * @throws IllegalStateException if the transport's native library is not available here
     */
    public static NettyRelayServer start(InetSocketAddress tcpBind, InetSocketAddress udpBind,
            NettyTransport transport) throws InterruptedException {
        return start(tcpBind, udpBind, transport, 1);
    }

    /**
     * As {@link #start(InetSocketAddress, InetSocketAddress, NettyTransport)} on {@code loops} event loops: each
     * loop has its part of the room, and a loop hands what its members said to the other loops as one task per loop
     * per iteration (as loopwire's {@code GroupRoom} does), so the two compare like for like.
     */
    public static NettyRelayServer start(InetSocketAddress tcpBind, InetSocketAddress udpBind,
            NettyTransport transport, int loops) throws InterruptedException {
        return start(tcpBind, udpBind, transport, loops, null);
    }

    /** As {@link #start(InetSocketAddress, InetSocketAddress, NettyTransport, int)}, plus a TLS listener if given. */
    public static NettyRelayServer start(InetSocketAddress tcpBind, InetSocketAddress udpBind,
            NettyTransport transport, int loops, Tls tlsListener) throws InterruptedException {
        transport.ensureAvailable();
        if (loops < 1 || loops > 256) {
            throw new IllegalArgumentException("--loops must be in 1..256, was " + loops);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, transport.ioHandlerFactory());
        try {
            java.util.Map<EventLoop, Room> rooms = new java.util.IdentityHashMap<>();
            List<Room> all = new ArrayList<>();
            for (io.netty.util.concurrent.EventExecutor e : group) {
                Room part = new Room((EventLoop) e, all);
                rooms.put((EventLoop) e, part);
                all.add(part);
            }
            ServerBootstrap server = new ServerBootstrap()
                    .group(group, group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(MAX_OUTBOUND_BYTES / 2, MAX_OUTBOUND_BYTES))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LineBasedFrameDecoder(MAX_LINE_BYTES, true, true),
                                    new Member(rooms.get(ch.eventLoop()), false));
                        }
                    });
            Channel tcp = server.bind(tcpBind).sync().channel();
            Channel tls = null;
            if (tlsListener != null) {
                tls = server.clone().childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tlsListener.context().newHandler(ch.alloc()),
                                new LineBasedFrameDecoder(MAX_LINE_BYTES, true, true),
                                new Member(rooms.get(ch.eventLoop()), true));
                    }
                }).bind(tlsListener.bind()).sync().channel();
            }
            // The datagram channel lives on the first loop, with that loop's part of the room.
            EventLoop udpLoop = all.get(0).loop;
            Room udpPart = all.get(0);
            Channel udp = new Bootstrap()
                    .group(udpLoop)
                    .channel(transport.datagramChannel())
                    .option(ChannelOption.SO_RCVBUF, 4 * 1024 * 1024)
                    .handler(new UdpRoom(udpPart))
                    .bind(udpBind).sync().channel();
            return new NettyRelayServer(group, tcp, udp, tls);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress tcpAddress() {
        return (InetSocketAddress) tcp.localAddress();
    }

    public InetSocketAddress udpAddress() {
        return (InetSocketAddress) udp.localAddress();
    }

    /** The TLS listener's address, or null without one. */
    public InetSocketAddress tlsAddress() {
        return tls == null ? null : (InetSocketAddress) tls.localAddress();
    }

    @Override
    public void close() {
        if (tls != null) {
            tls.close().syncUninterruptibly();
        }
        tcp.close().syncUninterruptibly();
        udp.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    public static void main(String[] args) throws InterruptedException {
        String usage = "usage: java -cp benchmarks.jar " + NettyRelayServer.class.getName() + " "
                + PeerMain.USAGE_OPTIONS + " [--transport nio|epoll|io_uring] [--loops 1]"
                + " [--tls-port P --tls-cert PEM_CHAIN --tls-key PKCS8_PEM]";
        PeerMain.Options o = PeerMain.parse(args, usage, "transport", "loops", "tls-port", "tls-cert", "tls-key");
        NettyTransport transport;
        int loops;
        Tls tls = null;
        try {
            transport = NettyTransport.parse(o.cli().string("transport", "nio"));
            loops = (int) o.cli().number("loops", 1, 1, 256);
            if (o.cli().has("tls-port")) {
                if (!o.cli().has("tls-cert") || !o.cli().has("tls-key")) {
                    throw new IllegalArgumentException("--tls-port needs --tls-cert and --tls-key");
                }
                tls = new Tls(new InetSocketAddress(o.tcp().getAddress(), o.cli().port("tls-port", 0)),
                        serverContext(Path.of(o.cli().string("tls-cert", "")), Path.of(o.cli().string("tls-key", ""))));
            }
        } catch (IllegalArgumentException e) {
            Cli.exitWithUsage(e, usage);
            return;
        } catch (IOException e) {
            System.err.println("NettyRelayServer: cannot load the certificate or key: " + e.getMessage());
            System.exit(1);
            return;
        }
        NettyRelayServer server;
        try {
            server = start(o.tcp(), o.udp(), transport, loops, tls);
        } catch (IllegalStateException e) {
            System.err.println("NettyRelayServer: " + e.getMessage());
            System.exit(1);
            return;
        }
        PeerMain.serveUntilKilled(server.tcpAddress(), server.udpAddress(), server.tlsAddress(), server);
    }

    /** One loop's part of the room: its members and dirty list; touched only on its event loop. */
    private static final class Room {
        private final EventLoop loop;
        /** Every part of the room (this one included); filled before any channel is accepted. */
        private final List<Room> parts;
        /** Lines said here this iteration, retained, for the other parts. */
        private final ArrayList<ByteBuf> forward = new ArrayList<>();
        private final Runnable flushDirty = this::flushDirty;
        /** Copied on join/leave, so a broadcast iterates a stable array even if a recipient closes meanwhile. */
        private Recipient[] members = new Recipient[0];
        private ArrayList<Member> dirty = new ArrayList<>();
        private ArrayList<Member> flushing = new ArrayList<>();
        private boolean flushScheduled;

        Room(EventLoop loop, List<Room> parts) {
            this.loop = loop;
            this.parts = parts;
        }

        void join(Recipient m) {
            broadcast(m, notice(m, " joined\n"));
            Recipient[] next = Arrays.copyOf(members, members.length + 1);
            next[members.length] = m;
            members = next;
        }

        void leave(Recipient m) {
            Recipient[] current = members;
            for (int i = 0; i < current.length; i++) {
                if (current[i] == m) {
                    Recipient[] next = new Recipient[current.length - 1];
                    System.arraycopy(current, 0, next, 0, i);
                    System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                    members = next;
                    broadcast(m, notice(m, " left\n"));
                    return;
                }
            }
        }

        private ByteBuf notice(Recipient m, String what) {
            return Unpooled.copiedBuffer("* " + m.name() + what, StandardCharsets.UTF_8);
        }

        /** Sends {@code msg} to every member but {@code from}, here and on the other loops; takes ownership. */
        void broadcast(Recipient from, ByteBuf msg) {
            if (parts.size() > 1) {
                forward.add(msg.retain());
                scheduleFlush();
            }
            deliver(from, msg);
        }

        /** Lines another loop handed over: delivered here only. */
        private void deliverForeign(ByteBuf[] lines) {
            for (ByteBuf line : lines) {
                deliver(null, line);
            }
        }

        private void deliver(Recipient from, ByteBuf msg) {
            assert loop.inEventLoop();
            try {
                for (Recipient m : members) {
                    if (m != from) {
                        m.send(msg.retainedDuplicate());
                    }
                }
            } finally {
                msg.release();
            }
        }

        void markDirty(Member m) {
            if (m.dirty) {
                return;
            }
            m.dirty = true;
            dirty.add(m);
            scheduleFlush();
        }

        private void scheduleFlush() {
            if (!flushScheduled) {
                flushScheduled = true;
                // Called from a read on the loop: the task runs after this iteration's I/O phase, so every
                // recipient is flushed once per iteration however many senders wrote to it.
                loop.execute(flushDirty);
            }
        }

        private void flushDirty() {
            flushScheduled = false;
            if (!forward.isEmpty()) {
                ByteBuf[] batch = forward.toArray(new ByteBuf[0]);
                forward.clear();
                for (Room other : parts) {
                    if (other != this) {
                        ByteBuf[] copy = new ByteBuf[batch.length];
                        for (int i = 0; i < batch.length; i++) {
                            copy[i] = batch[i].retainedDuplicate();
                        }
                        other.loop.execute(() -> other.deliverForeign(copy));
                    }
                }
                for (ByteBuf b : batch) {
                    b.release();
                }
            }
            // Swap first: a flush can close a channel, whose leave notice marks others dirty for the next task.
            ArrayList<Member> batch = dirty;
            dirty = flushing;
            flushing = batch;
            for (int i = 0, n = batch.size(); i < n; i++) {
                Member m = batch.get(i);
                m.dirty = false;
                m.channel.flush();
            }
            batch.clear();
        }
    }

    /** A member of the room, over TCP or UDP. */
    private interface Recipient {
        String name();

        /** Queues {@code msg} (a line ending in {@code '\n'}) for this member; takes ownership. */
        void send(ByteBuf msg);
    }

    /** One TCP member: its pipeline's last handler. */
    private static final class Member extends ChannelInboundHandlerAdapter implements Recipient {
        private final Room room;
        /** Behind an {@code SslHandler}: joins when the handshake completes, not when TCP connects. */
        private final boolean tls;
        private Channel channel;
        private String name;
        private byte[] prefix;
        private boolean joined;
        private boolean closing;
        boolean dirty;

        Member(Room room, boolean tls) {
            this.room = room;
            this.tls = tls;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            name = Cli.hostPort((InetSocketAddress) channel.remoteAddress());
            prefix = ("[" + name + "] ").getBytes(StandardCharsets.UTF_8);
            if (!tls) {
                joined = true;
                room.join(this);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess() && channel.isActive() && !joined) {
                    joined = true;
                    room.join(this);
                } else if (!done.isSuccess()) {
                    log.debug("TLS handshake with {} failed: {}", name, done.cause().toString());
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (joined) {
                joined = false;
                room.leave(this);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf line = (ByteBuf) msg;
            try {
                if (closing) {
                    return;
                }
                if (isQuit(line)) {
                    closing = true;
                    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                ByteBuf out = ctx.alloc().directBuffer(prefix.length + line.readableBytes() + 1);
                out.writeBytes(prefix).writeBytes(line).writeByte('\n');
                room.broadcast(this, out);
            } finally {
                line.release();
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void send(ByteBuf msg) {
            if (closing || !channel.isActive()) {
                msg.release();
                return;
            }
            if (!channel.isWritable()) {
                // Over the high water mark: the peer is not reading. Others must not be slowed down by it.
                msg.release();
                closing = true;
                log.warn("closing slow consumer {} ({} bytes queued)", name,
                        MAX_OUTBOUND_BYTES - channel.bytesBeforeUnwritable());
                channel.close();
                return;
            }
            channel.write(msg, channel.voidPromise());
            room.markDirty(this);
        }

        private static boolean isQuit(ByteBuf b) {
            if (b.readableBytes() != 5 || b.getByte(b.readerIndex()) != '/') {
                return false;
            }
            int i = b.readerIndex();
            return (b.getByte(i + 1) == 'q' && b.getByte(i + 2) == 'u' && b.getByte(i + 3) == 'i'
                    && b.getByte(i + 4) == 't')
                    || (b.getByte(i + 1) == 's' && b.getByte(i + 2) == 'a' && b.getByte(i + 3) == 'i'
                    && b.getByte(i + 4) == 'r');
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException && !closing) {
                closing = true;
                ctx.writeAndFlush(Unpooled.copiedBuffer("! error: line longer than " + MAX_LINE_BYTES + " bytes\n",
                        StandardCharsets.UTF_8)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            log.debug("closing {}: {}", name, cause.toString());
            ctx.close();
        }
    }

    /**
     * UDP: {@code ping} answered, LWP1 probes echoed, other datagrams the UDP side of the room. Replies and relayed
     * datagrams are flushed once per read batch; datagrams relayed from TCP senders are flushed by the room's
     * end-of-iteration task, like TCP recipients.
     */
    private static final class UdpRoom extends ChannelInboundHandlerAdapter {
        private final Room room;
        private final HashMap<InetSocketAddress, UdpMember> members = new HashMap<>();
        private boolean needsFlush;

        UdpRoom(Room room) {
            this.room = room;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket packet = (DatagramPacket) msg;
            try {
                ByteBuf c = packet.content();
                int i = c.readerIndex();
                int n = c.readableBytes();
                if (n >= 24 && c.getInt(i) == 0x4C575031) { // "LWP1"
                    byte flags = c.getByte(i + 8);
                    if (flags < 0) {
                        return; // already a reply (bit 63 of the sequence): never answered
                    }
                    c.setByte(i + 8, flags | 0x80); // the reply mark
                    ctx.write(new DatagramPacket(c.retain(), packet.sender()), ctx.voidPromise());
                    needsFlush = true;
                    return;
                }
                if (n > 0 && c.getByte(i + n - 1) == '\n') {
                    n--;
                    if (n > 0 && c.getByte(i + n - 1) == '\r') {
                        n--;
                    }
                }
                if (n == 4 && c.getInt(i) == 0x70696E67) { // "ping"
                    ctx.write(new DatagramPacket(PING.duplicate(), packet.sender()), ctx.voidPromise());
                    needsFlush = true;
                    return;
                }
                UdpMember member = members.get(packet.sender());
                if (n == 5 && isQuit(c, i)) {
                    if (member != null) {
                        members.remove(packet.sender());
                        room.leave(member);
                    }
                    return;
                }
                if (member == null) {
                    member = new UdpMember(ctx, packet.sender(), this);
                    members.put(packet.sender(), member);
                    room.join(member);
                }
                if (n > 0) {
                    ByteBuf out = ctx.alloc().directBuffer(member.prefix.length + n + 1);
                    out.writeBytes(member.prefix).writeBytes(c, i, n).writeByte('\n');
                    room.broadcast(member, out);
                }
            } finally {
                packet.release();
            }
        }

        private static boolean isQuit(ByteBuf b, int i) {
            return b.getByte(i) == '/' && ((b.getByte(i + 1) == 'q' && b.getByte(i + 2) == 'u'
                    && b.getByte(i + 3) == 'i' && b.getByte(i + 4) == 't') || (b.getByte(i + 1) == 's'
                    && b.getByte(i + 2) == 'a' && b.getByte(i + 3) == 'i' && b.getByte(i + 4) == 'r'));
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (needsFlush) {
                needsFlush = false;
                ctx.flush();
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // One bad datagram (e.g. ICMP port unreachable surfacing as an error) must not end the UDP service.
            log.debug("udp error: {}", cause.toString());
        }
    }

    /** A UDP member: each relayed line goes out as one datagram, its newline kept (as loopwire sends it). */
    private static final class UdpMember implements Recipient {
        private final ChannelHandlerContext ctx;
        private final InetSocketAddress address;
        private final UdpRoom udp;
        private final String name;
        final byte[] prefix;

        UdpMember(ChannelHandlerContext ctx, InetSocketAddress address, UdpRoom udp) {
            this.ctx = ctx;
            this.address = address;
            this.udp = udp;
            this.name = Cli.hostPort(address);
            this.prefix = ("[" + name + "] ").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void send(ByteBuf msg) {
            ctx.write(new DatagramPacket(msg, address), ctx.voidPromise());
            if (!udp.needsFlush) {
                udp.needsFlush = true;
                // Inside a datagram read, channelReadComplete flushes; from a TCP read, flush after this iteration.
                ctx.channel().eventLoop().execute(() -> {
                    if (udp.needsFlush) {
                        udp.needsFlush = false;
                        ctx.flush();
                    }
                });
            }
        }
    }
}
