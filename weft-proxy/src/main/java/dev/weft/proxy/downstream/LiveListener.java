package dev.weft.proxy.downstream;

import dev.weft.proxy.router.ListenerContext;
import dev.weft.proxy.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * One bound listener of a running proxy: its server channel, its connections and the context that
 * new connections and requests take. A config update that keeps the listener's name and address
 * swaps the context ({@link #update}); a request already running keeps the one it started with.
 * A removed listener drains: it stops accepting, HTTP/2 clients get GOAWAY, idle HTTP/1.1
 * connections close and busy ones close after their response.
 */
public final class LiveListener {
    private final ConnectionTracker tracker = new ConnectionTracker();
    private volatile ListenerContext context;
    private volatile Channel channel;

    private LiveListener(ListenerContext context) {
        this.context = context;
    }

    /**
     * Binds a listener for {@code context}'s spec; connections wait in the backlog until
     * {@link #startAccepting()}.
     *
     * @throws IOException naming the listener and address that could not bind
     */
    public static LiveListener bind(ListenerContext context, EventLoopGroup group, Transport transport) throws IOException {
        LiveListener listener = new LiveListener(context);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // accepts nothing until startAccepting(): an update publishes its clusters in between
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ListenerInitializer(listener));
        InetSocketAddress address = context.spec().address();
        // The bind failure is read from the future: sync() would rethrow it undeclared (a native
        // transport's IOException), past a catch of RuntimeException.
        ChannelFuture bound = b.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IOException("listener " + context.spec().name() + ": cannot bind "
                    + NetUtil.toSocketAddressString(address) + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        listener.channel = bound.channel();
        return listener;
    }

    public void startAccepting() {
        channel.config().setAutoRead(true);
    }

    public String name() {
        return context.spec().name();
    }

    /** The address this listener was configured with (port 0 when it bound an ephemeral port). */
    public InetSocketAddress configuredAddress() {
        return context.spec().address();
    }

    /** Where it is bound. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The context new connections and requests take. */
    public ListenerContext context() {
        return context;
    }

    /** Switches new connections and requests to {@code next}, a context of the same name and address. */
    public void update(ListenerContext next) {
        context = next;
    }

    public ConnectionTracker tracker() {
        return tracker;
    }

    /** Stops accepting and asks every connection to finish: GOAWAY on HTTP/2, close-when-idle on HTTP/1.1. */
    public void startDraining() {
        tracker.startDraining();
        channel.close();
        for (Channel c : tracker.connections()) {
            if (c.pipeline().get(Http2FrameCodec.class) != null) {
                c.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
            } else {
                c.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
            }
        }
    }

    /** Whether a draining listener has no connection left. */
    public boolean drained() {
        return tracker.connections().isEmpty();
    }

    /** Closes the server channel and every connection at once. */
    public void close() {
        channel.close();
        tracker.connections().close();
    }
}
