package dev.weft.proxy.downstream;

import dev.weft.proxy.http2.ServerConnection;
import dev.weft.proxy.router.ListenerContext;
import dev.weft.proxy.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.NetUtil;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * One bound listener of a running proxy: its server channel, its connections and the contexts (one per
 * filter chain) that new connections and requests take. A config update that keeps the listener's name and
 * address swaps the contexts ({@link #update}); a request already running keeps the one it started with, and a
 * connection whose filter chain the update removed or moved to another transport (plaintext to TLS) is drained.
 * A removed listener drains: it stops accepting, HTTP/2 clients get GOAWAY, idle HTTP/1.1
 * connections close and busy ones close after their response.
 */
public final class LiveListener {
    /** The index of the filter chain a connection was accepted on, once its chain is chosen. */
    static final AttributeKey<Integer> CHAIN = AttributeKey.valueOf(LiveListener.class, "chain");

    private final ConnectionTracker tracker = new ConnectionTracker();
    /** One per filter chain of the spec, in its order. */
    private volatile ListenerContext[] contexts;
    private volatile Channel channel;

    private LiveListener(ListenerContext[] contexts) {
        this.contexts = contexts;
    }

    /** As {@link #bind(List, EventLoopGroup, Transport)} for a listener of one filter chain. */
    public static LiveListener bind(ListenerContext context, EventLoopGroup group, Transport transport) throws IOException {
        return bind(List.of(context), group, transport);
    }

    /**
     * Binds a listener for {@code context}'s spec; connections wait in the backlog until
     * {@link #startAccepting()}.
     *
     * @throws IOException naming the listener and address that could not bind
     */
    public static LiveListener bind(List<ListenerContext> contexts, EventLoopGroup group, Transport transport)
            throws IOException {
        ListenerContext context = contexts.get(0);
        LiveListener listener = new LiveListener(contexts.toArray(new ListenerContext[0]));
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
        return context().spec().name();
    }

    /** The address this listener was configured with (port 0 when it bound an ephemeral port). */
    public InetSocketAddress configuredAddress() {
        return context().spec().address();
    }

    /** Where it is bound. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The context of the first filter chain (the listener's spec and settings when it has one chain). */
    public ListenerContext context() {
        return contexts[0];
    }

    /**
     * The context requests on a connection of filter chain {@code chain} take now. A chain an update removed
     * gives the first chain's (the connection is being drained, see {@link #update}).
     */
    public ListenerContext context(int chain) {
        ListenerContext[] c = contexts;
        return chain < c.length ? c[chain] : c[0];
    }

    /** The contexts of every filter chain, in the spec's order. */
    List<ListenerContext> contexts() {
        return List.of(contexts);
    }

    /**
     * Switches new connections and requests to {@code next}, contexts of the same name and address. Connections
     * whose chain is gone or serves another transport now (a PERMISSIVE listener made STRICT drops its plaintext
     * chain) are drained: they finish what runs and close.
     */
    public void update(List<ListenerContext> next) {
        ListenerContext[] old = contexts;
        contexts = next.toArray(new ListenerContext[0]);
        for (Channel c : tracker.connections()) {
            Integer chain = c.attr(CHAIN).get();
            if (chain != null && (chain >= next.size() || !old[chain].chain().sameTransport(next.get(chain).chain()))) {
                drain(c);
            }
        }
    }

    /** Asks one connection to finish: GOAWAY on HTTP/2, close-when-idle on HTTP/1.1. */
    private static void drain(Channel c) {
        ServerConnection h2 = c.pipeline().get(ServerConnection.class);
        if (h2 != null) {
            h2.drain();
        } else {
            c.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        }
    }

    public ConnectionTracker tracker() {
        return tracker;
    }

    /** Stops accepting and asks every connection to finish: GOAWAY on HTTP/2, close-when-idle on HTTP/1.1. */
    public void startDraining() {
        tracker.startDraining();
        channel.close();
        for (Channel c : tracker.connections()) {
            drain(c);
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
