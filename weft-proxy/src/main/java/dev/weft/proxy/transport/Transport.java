package dev.weft.proxy.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;

/**
 * The socket transport the proxy runs on: epoll when it loads, else io_uring, else NIO.
 * {@code -Dweft.transport=nio|epoll|io_uring} forces one (for comparisons and for kernels where a
 * native transport misbehaves).
 */
public enum Transport {
    EPOLL(EpollServerSocketChannel.class, EpollSocketChannel.class),
    IO_URING(IoUringServerSocketChannel.class, IoUringSocketChannel.class),
    NIO(NioServerSocketChannel.class, NioSocketChannel.class);

    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends Channel> clientChannel;

    Transport(Class<? extends ServerChannel> serverChannel, Class<? extends Channel> clientChannel) {
        this.serverChannel = serverChannel;
        this.clientChannel = clientChannel;
    }

    /** The best transport available here, or the one named by the weft.transport property. */
    public static Transport best() {
        String forced = System.getProperty("weft.transport");
        if (forced != null && !forced.isBlank()) {
            Transport t = valueOf(forced.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            if (!t.isAvailable()) {
                throw new IllegalStateException("weft.transport=" + forced + " is not available here: " + t.unavailabilityCause());
            }
            return t;
        }
        if (EPOLL.isAvailable()) {
            return EPOLL;
        }
        if (IO_URING.isAvailable()) {
            return IO_URING;
        }
        return NIO;
    }

    public boolean isAvailable() {
        return switch (this) {
            case EPOLL -> Epoll.isAvailable();
            case IO_URING -> IoUring.isAvailable();
            case NIO -> true;
        };
    }

    private Throwable unavailabilityCause() {
        return switch (this) {
            case EPOLL -> Epoll.unavailabilityCause();
            case IO_URING -> IoUring.unavailabilityCause();
            case NIO -> null;
        };
    }

    private IoHandlerFactory ioHandlerFactory() {
        return switch (this) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    /** A new event loop group of {@code threads} loops on this transport. */
    public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, ioHandlerFactory());
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return serverChannel;
    }

    public Class<? extends Channel> clientChannelClass() {
        return clientChannel;
    }
}
