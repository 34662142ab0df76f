package dev.weft.proxy;

import dev.weft.proxy.admin.AdminServer;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.downstream.ConnectionTracker;
import dev.weft.proxy.downstream.DrainEvent;
import dev.weft.proxy.downstream.ListenerInitializer;
import dev.weft.proxy.router.ListenerContext;
import dev.weft.proxy.stats.Stats;
import dev.weft.proxy.transport.Transport;
import dev.weft.proxy.upstream.ClusterManager;
import dev.weft.proxy.upstream.UpstreamPools;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy: its listeners, clusters, pools, admin endpoint and event loops. Started from a
 * complete snapshot; if any listener cannot bind, everything already started is stopped again and
 * the start fails, so nothing is left half-running.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final ProxySnapshot snapshot;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Stats stats = new Stats();
    private final ClusterManager clusters;
    private final ConnectionTracker tracker = new ConnectionTracker();
    private final Map<String, Channel> listeners = new LinkedHashMap<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private AdminServer admin;
    private volatile boolean ready;

    private ProxyServer(ProxySnapshot snapshot, int workers) {
        this.snapshot = snapshot;
        this.transport = Transport.best();
        this.group = transport.newGroup(workers, new DefaultThreadFactory("weft-worker", true));
        this.clusters = new ClusterManager(snapshot.clusters(), stats);
    }

    /**
     * Binds every listener of {@code snapshot} and the admin endpoint.
     *
     * @param workers event loops to run (0 for one per core)
     * @throws IOException naming the listener that could not bind; nothing is left running
     */
    public static ProxyServer start(ProxySnapshot snapshot, int workers) throws IOException {
        int n = workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
        ProxyServer server = new ProxyServer(snapshot, n);
        try {
            server.bindAll();
        } catch (IOException | RuntimeException e) {
            server.close();
            // close() only starts the shutdown; a caller that retries at once must find the ports free
            server.stopped().join();
            throw e;
        }
        return server;
    }

    private void bindAll() throws IOException {
        UpstreamPools pools = new UpstreamPools(transport);
        for (ListenerSpec spec : snapshot.listeners()) {
            ListenerContext context = new ListenerContext(spec.http(), clusters, pools, stats);
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .childHandler(new ListenerInitializer(spec, context, tracker));
            // The bind failure is read from the future: sync() would rethrow it undeclared (a native
            // transport's IOException), past a catch of RuntimeException.
            ChannelFuture bound = b.bind(spec.address()).awaitUninterruptibly();
            if (!bound.isSuccess()) {
                throw new IOException("listener " + spec.name() + ": cannot bind " + spec.address() + ": "
                        + bound.cause().getMessage(), bound.cause());
            }
            Channel ch = bound.channel();
            listeners.put(spec.name(), ch);
            log.info("listener {} on {} ({})", spec.name(), ch.localAddress(), transport);
        }
        if (snapshot.adminAddress() != null) {
            admin = AdminServer.start(this, group, transport, snapshot.adminAddress());
        }
        ready = true;
    }

    /** The port listener {@code name} is bound to. */
    public int port(String name) {
        Channel ch = listeners.get(name);
        if (ch == null) {
            throw new IllegalArgumentException("no listener named " + name + "; listeners: " + listeners.keySet());
        }
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    /** The admin endpoint's port, or -1 when there is none. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    public ProxySnapshot snapshot() {
        return snapshot;
    }

    public Stats stats() {
        return stats;
    }

    public ClusterManager clusters() {
        return clusters;
    }

    public Transport transport() {
        return transport;
    }

    /** Whether every listener is up and the proxy is not draining. */
    public boolean isReady() {
        return ready && !tracker.draining();
    }

    /** Completes when the proxy has stopped. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /**
     * Graceful drain: stop accepting, close idle connections, tell HTTP/2 clients GOAWAY, let
     * in-flight requests finish for at most {@code timeoutMillis}, then stop.
     */
    public CompletableFuture<Void> drainAndStop(long timeoutMillis) {
        tracker.startDraining();
        for (Channel ch : listeners.values()) {
            ch.close();
        }
        for (Channel c : tracker.connections()) {
            if (c.pipeline().get(Http2FrameCodec.class) != null) {
                c.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
            } else {
                c.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        group.next().execute(new Runnable() {
            @Override
            public void run() {
                if (tracker.inFlight() <= 0 || System.nanoTime() >= deadline) {
                    close();
                } else {
                    group.next().schedule(this, 20, TimeUnit.MILLISECONDS);
                }
            }
        });
        return stopped;
    }

    @Override
    public void close() {
        if (stopped.isDone()) {
            return;
        }
        ready = false;
        List<Channel> all = new ArrayList<>(listeners.values());
        for (Channel ch : all) {
            ch.close();
        }
        if (admin != null) {
            admin.close();
        }
        tracker.connections().close();
        clusters.close();
        Thread t = new Thread(() -> {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            stopped.complete(null);
        }, "weft-shutdown");
        t.start();
    }
}
