package io.loopwire.bench.peers;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.Locale;

/**
 * Which Netty transport the peer runs on: the JDK's NIO selector (what loopwire also uses), or Netty's own native
 * transports, edge-triggered {@code epoll} and {@code io_uring} (JNI, the {@code linux-x86_64} jars), which skip the
 * JDK's selector and socket layers entirely.
 */
public enum NettyTransport {
    NIO, EPOLL, IO_URING;

    /** {@code nio}, {@code epoll} or {@code io_uring}. */
    public static NettyTransport parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--transport must be nio, epoll or io_uring, was '" + name + "'");
        }
    }

    /** Throws, naming the cause, if this transport's native library cannot load here (kernel, seccomp, arch). */
    public void ensureAvailable() {
        switch (this) {
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("epoll unavailable: " + Epoll.unavailabilityCause());
                }
            }
            case IO_URING -> {
                if (!IoUring.isAvailable()) {
                    throw new IllegalStateException("io_uring unavailable: " + IoUring.unavailabilityCause());
                }
            }
            default -> {
            }
        }
    }

    IoHandlerFactory ioHandlerFactory() {
        return switch (this) {
            case NIO -> NioIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
        };
    }

    Class<? extends ServerSocketChannel> serverChannel() {
        return switch (this) {
            case NIO -> NioServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
        };
    }

    Class<? extends DatagramChannel> datagramChannel() {
        return switch (this) {
            case NIO -> NioDatagramChannel.class;
            case EPOLL -> EpollDatagramChannel.class;
            case IO_URING -> IoUringDatagramChannel.class;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
