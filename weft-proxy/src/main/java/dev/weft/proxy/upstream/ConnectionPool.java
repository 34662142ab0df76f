package dev.weft.proxy.upstream;

import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.config.UpstreamTransport;
import dev.weft.proxy.http2.ConnectionWindow;
import dev.weft.proxy.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import dev.weft.proxy.downstream.PeerIdentity;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The connections of one event loop to one endpoint of one cluster. Confined to its event loop:
 * a request handled on that loop takes a connection that lives on the same loop, so nothing
 * crosses threads. HTTP/1.1 connections are reused one exchange at a time; HTTP/2 connections
 * are shared by concurrent streams.
 *
 * <p>Circuit breakers: a request that waits for a connection (being made, or not allowed yet by
 * max_connections) is pending and counts against max_pending_requests; beyond it the request
 * fails at once with {@link UpstreamOverflowException}. While the cluster is at max_connections,
 * pending requests take connections as they are returned, or a slot as one is freed (see
 * {@link CircuitBreakers}).
 *
 * <p>An acquisition may be cancelled by the router while it waits; a connection or stream made
 * for it then goes back to the pool (or is closed) instead.
 */
final class ConnectionPool {
    /** Upstream HTTP/2 stream window: large enough that one stream is not held to 64 KiB in flight. */
    private static final int H2_INITIAL_WINDOW = 1 << 20;
    /** Upstream HTTP/2 connection window: room for several streams at their full window. */
    private static final int H2_CONNECTION_WINDOW = 16 << 20;

    private final UpstreamCluster cluster;
    private final CircuitBreakers breakers;
    private final InetSocketAddress address;
    /** Which of the cluster's transports this pool connects with ({@link ClusterSpec#transport(int)}). */
    private final int transportIndex;
    private final EventLoop loop;
    private final Transport transport;
    private final ArrayDeque<Http1Connection> idleHttp1 = new ArrayDeque<>();
    private final List<Http2Connection> http2 = new ArrayList<>(2);
    private final List<Promise<UpstreamStream>> http2Waiters = new ArrayList<>();
    private boolean http2Connecting;
    /** The HTTP/2 waiters wait for a connection slot (max_connections), not for a connect in progress. */
    private boolean http2AwaitingSlot;
    /** HTTP/1.1 requests waiting for a connection slot, in arrival order. */
    private final ArrayDeque<Waiter> http1Waiters = new ArrayDeque<>();
    /** Registered with the breakers as waiting for a slot; cleared when woken. */
    private boolean slotRequested;
    /** For ALPN clusters: what the endpoint negotiated last time, null before the first handshake. */
    private Boolean negotiatedHttp2;
    private final GenericFutureListener<Future<UpstreamStream>> pendingFinished;
    /** No longer in use for new requests (cluster or endpoint removed): connections close when idle. */
    private boolean retired;

    private record Waiter(Promise<UpstreamStream> promise, boolean http1Only) {}

    ConnectionPool(UpstreamCluster cluster, InetSocketAddress address, int transportIndex, EventLoop loop,
            Transport transport) {
        this.cluster = cluster;
        this.breakers = cluster.breakers();
        this.address = address;
        this.transportIndex = transportIndex;
        this.loop = loop;
        this.transport = transport;
        this.pendingFinished = f -> breakers.pendingFinished();
        breakers.register(this);
    }

    EventLoop loop() {
        return loop;
    }

    int transportIndex() {
        return transportIndex;
    }

    int maxRequestsPerConnection() {
        return cluster.spec().maxRequestsPerConnection();
    }

    /**
     * A stream for one exchange. {@code http1Only} asks for an HTTP/1.1 connection of its own
     * (an Upgrade request).
     */
    Future<UpstreamStream> acquire(boolean http1Only) {
        assert loop.inEventLoop();
        ClusterSpec.UpstreamProtocol protocol = cluster.spec().protocol();
        boolean h2 = !http1Only && (protocol == ClusterSpec.UpstreamProtocol.HTTP2
                || (protocol == ClusterSpec.UpstreamProtocol.ALPN && Boolean.TRUE.equals(negotiatedHttp2)));
        if (!h2) {
            // the common case, a pooled connection, allocates nothing
            Http1Connection idle = pollIdleHttp1();
            if (idle != null) {
                return idle.acquire();
            }
        } else {
            Http2Connection c = http2WithCapacity();
            if (c != null) {
                Promise<UpstreamStream> p = loop.newPromise();
                c.openStream(p);
                return p;
            }
        }
        if (!breakers.tryPending()) {
            cluster.stats().rqPendingOverflow.increment();
            return loop.newFailedFuture(new UpstreamOverflowException("cluster " + cluster.name() + " has "
                    + breakers.maxPendingRequests() + " requests waiting for a connection (max_pending_requests)"));
        }
        Promise<UpstreamStream> p = loop.newPromise();
        p.addListener(pendingFinished);
        if (h2) {
            acquireHttp2(p);
        } else {
            connectHttp1(p, http1Only);
        }
        return p;
    }

    private Http1Connection pollIdleHttp1() {
        Http1Connection c;
        while ((c = idleHttp1.pollLast()) != null) {
            if (c.isIdleAndUsable()) {
                return c;
            }
        }
        return null;
    }

    private Http2Connection http2WithCapacity() {
        for (int i = http2.size() - 1; i >= 0; i--) {
            Http2Connection c = http2.get(i);
            if (c.hasCapacity()) {
                return c;
            }
        }
        return null;
    }

    private void acquireHttp1(Promise<UpstreamStream> p, boolean http1Only) {
        Http1Connection idle = pollIdleHttp1();
        if (idle != null) {
            handOver(idle, p);
        } else {
            connectHttp1(p, http1Only);
        }
    }

    /** Gives a connection not in use to {@code p}, or back to the pool when {@code p} was cancelled. */
    private void handOver(Http1Connection c, Promise<UpstreamStream> p) {
        if (p.isDone()) {
            offerHttp1(c);
        } else {
            c.acquire();
            p.setSuccess(c);
        }
    }

    private void connectHttp1(Promise<UpstreamStream> p, boolean http1Only) {
        if (!breakers.tryConnection()) {
            cluster.stats().cxOverflow.increment();
            http1Waiters.add(new Waiter(p, http1Only));
            awaitSlot();
            return;
        }
        connectHttp1WithSlot(p, http1Only);
    }

    /** Connects for {@code p}, the connection slot already taken. */
    private void connectHttp1WithSlot(Promise<UpstreamStream> p, boolean http1Only) {
        connect(http1Only).addListener((Future<Object> f) -> {
            if (!f.isSuccess()) {
                p.tryFailure(f.cause());
            } else if (f.getNow() instanceof Http1Connection h1) {
                handOver(h1, p);
            } else {
                // ALPN chose h2 for a cluster we had not connected to yet
                Http2Connection h2c = (Http2Connection) f.getNow();
                http2.add(h2c);
                h2c.openStream(p);
                if (retired) {
                    h2c.drain();
                }
            }
        });
    }

    private void acquireHttp2(Promise<UpstreamStream> p) {
        http2Waiters.add(p);
        if (http2Connecting || http2AwaitingSlot) {
            return;
        }
        connectHttp2();
    }

    private void connectHttp2() {
        if (!breakers.tryConnection()) {
            cluster.stats().cxOverflow.increment();
            http2AwaitingSlot = true;
            awaitSlot();
            return;
        }
        http2AwaitingSlot = false;
        http2Connecting = true;
        connect(false).addListener((Future<Object> f) -> {
            http2Connecting = false;
            List<Promise<UpstreamStream>> waiters = new ArrayList<>(http2Waiters);
            http2Waiters.clear();
            if (!f.isSuccess()) {
                for (Promise<UpstreamStream> w : waiters) {
                    w.tryFailure(f.cause());
                }
                return;
            }
            if (f.getNow() instanceof Http1Connection h1) {
                // ALPN fell back to HTTP/1.1: the first waiter takes this connection, the rest their own
                if (waiters.isEmpty()) {
                    offerHttp1(h1);
                    return;
                }
                handOver(h1, waiters.remove(0));
                for (Promise<UpstreamStream> w : waiters) {
                    if (!w.isDone()) {
                        acquireHttp1(w, false);
                    }
                }
                return;
            }
            Http2Connection c = (Http2Connection) f.getNow();
            http2.add(c);
            int next = 0;
            while (next < waiters.size() && c.hasCapacity()) {
                c.openStream(waiters.get(next++));
            }
            if (retired) {
                c.drain();
            }
            // beyond the server's stream limit: streams this connection frees, or another connection
            for (int i = next; i < waiters.size(); i++) {
                if (!waiters.get(i).isDone()) {
                    http2Waiters.add(waiters.get(i));
                }
            }
            if (!http2Waiters.isEmpty() && !retired) {
                connectHttp2();
            }
        });
    }

    /** A connection finished an exchange cleanly: a waiting request takes it, else it idles. */
    void offerHttp1(Http1Connection c) {
        Waiter w;
        while ((w = http1Waiters.pollFirst()) != null) {
            if (!w.promise().isDone()) {
                c.acquire();
                w.promise().setSuccess(c);
                return;
            }
        }
        if (breakers.hasSlotWaiters()) {
            // another pool of the cluster waits for the slot this connection holds
            c.channel().close();
            return;
        }
        idleHttp1.addLast(c);
    }

    boolean isRetired() {
        return retired;
    }

    /**
     * Takes the pool out of use: idle connections close now, HTTP/1.1 connections in use close
     * when their exchange ends, HTTP/2 connections when their last stream ends.
     */
    void retire() {
        assert loop.inEventLoop();
        retired = true;
        Http1Connection c;
        while ((c = idleHttp1.poll()) != null) {
            c.channel().close();
        }
        for (Http2Connection h2 : new ArrayList<>(http2)) {
            h2.drain();
        }
    }

    void removeHttp1(Http1Connection c) {
        idleHttp1.remove(c);
    }

    void removeHttp2(Http2Connection c) {
        http2.remove(c);
    }

    /**
     * A stream of {@code c} ended: a waiter held back by max_connections may use the room, or, when
     * another pool waits for a connection slot, {@code c} gives up its slot once idle.
     */
    void http2StreamClosed(Http2Connection c) {
        http2Waiters.removeIf(Promise::isDone);
        while (!http2Waiters.isEmpty() && c.hasCapacity()) {
            c.openStream(http2Waiters.remove(0));
        }
        if (http2AwaitingSlot) {
            serveWaiters();
        } else if (c.isIdle() && breakers.hasSlotWaiters()) {
            c.channel().close();
        }
    }

    private void awaitSlot() {
        if (!slotRequested) {
            slotRequested = true;
            breakers.awaitSlot(this);
        }
    }

    /** The breakers woke this pool: a connection slot was freed. */
    void onSlotFreed() {
        slotRequested = false;
        serveWaiters();
        if (!slotRequested) {
            // this pool did not need the slot (its waiters gave up or were served): pass it on
            breakers.wakeOne();
        }
    }

    /** Another pool waits for a connection slot: idle connections here give theirs up. */
    void closeIdleForWaiters() {
        if (!breakers.hasSlotWaiters()) {
            return;
        }
        Http1Connection c;
        while ((c = idleHttp1.pollFirst()) != null) {
            c.channel().close();
        }
        for (Http2Connection h : List.copyOf(http2)) {
            if (h.isIdle()) {
                h.channel().close();
            }
        }
    }

    /** Serves requests waiting for a slot: with a returned connection, a stream with room, or a new connection. */
    private void serveWaiters() {
        Waiter w;
        while ((w = http1Waiters.peekFirst()) != null) {
            if (w.promise().isDone()) {
                http1Waiters.pollFirst();
                continue;
            }
            Http1Connection idle = pollIdleHttp1();
            if (idle == null && !breakers.tryConnection()) {
                awaitSlot();
                break;
            }
            http1Waiters.pollFirst();
            if (idle != null) {
                handOver(idle, w.promise());
            } else {
                connectHttp1WithSlot(w.promise(), w.http1Only());
            }
        }
        if (http2AwaitingSlot) {
            http2Waiters.removeIf(Promise::isDone);
            Http2Connection c;
            while (!http2Waiters.isEmpty() && (c = http2WithCapacity()) != null) {
                c.openStream(http2Waiters.remove(0));
            }
            if (http2Waiters.isEmpty()) {
                http2AwaitingSlot = false;
            } else {
                connectHttp2();
            }
        }
    }

    /**
     * Connects, holding a connection slot the caller took, which is given back when the connect
     * fails or the connection closes; completes with an Http1Connection or an Http2Connection.
     */
    private Future<Object> connect(boolean http1Only) {
        ClusterSpec spec = cluster.spec();
        UpstreamTransport upstream = spec.transport(transportIndex);
        Promise<Object> result = loop.newPromise();
        ClusterStats stats = cluster.stats();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.clientChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, Math.max(1, spec.connectTimeoutMillis())))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(stats.bytes);
                        if (upstream.isTls()) {
                            String sni = upstream.sni() != null ? upstream.sni() : address.getHostString();
                            SslHandler ssl = upstream.tls().newHandler(ch.alloc(), sni, address.getPort());
                            ssl.setHandshakeTimeoutMillis(Math.max(1, spec.connectTimeoutMillis()));
                            ch.pipeline().addLast("ssl", ssl);
                        }
                    }
                });
        stats.cxTotal.increment();
        ChannelFuture cf = b.connect(address);
        cf.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                breakers.connectionClosed();
                boolean timeout = f.cause() instanceof ConnectTimeoutException;
                (timeout ? stats.cxConnectTimeout : stats.cxConnectFail).increment();
                result.setFailure(new UpstreamConnectException(
                        (timeout ? "connect timeout to " : "connect to ") + address + " failed: " + f.cause().getMessage(),
                        timeout, f.cause()));
                return;
            }
            Channel ch = f.channel();
            stats.cxActive.increment();
            ch.closeFuture().addListener(x -> {
                stats.cxActive.decrement();
                stats.cxDestroy.increment();
                breakers.connectionClosed();
            });
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            if (ssl == null) {
                ready(configure(ch, !http1Only && spec.protocol() == ClusterSpec.UpstreamProtocol.HTTP2), result);
                return;
            }
            ssl.handshakeFuture().addListener(hf -> {
                if (!hf.isSuccess()) {
                    stats.cxConnectFail.increment();
                    ch.close();
                    result.setFailure(new UpstreamConnectException(
                            "TLS handshake with " + address + " failed: " + hf.cause().getMessage(), false, hf.cause()));
                    return;
                }
                PeerIdentity peer = PeerIdentity.fromHandshake(ssl);
                if (peer != null) {
                    // the server's verified SPIFFE ID, for the access log's UPSTREAM_PEER_URI_SAN
                    ch.attr(PeerIdentity.KEY).set(peer);
                }
                boolean h2 = ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol());
                if (spec.protocol() == ClusterSpec.UpstreamProtocol.ALPN && !http1Only) {
                    negotiatedHttp2 = h2;
                }
                ready(configure(ch, h2 && !http1Only), result);
            });
        });
        return result;
    }

    /**
     * Completes {@code result} with {@code connection} once it may carry requests: an HTTP/1.1 connection
     * at once, an HTTP/2 one when the server's first SETTINGS arrived, since until then its stream limit
     * is unknown. A server that refuses a stream opened past its limit may also refuse the stream's DATA
     * with a connection error (Netty does), which would fail every stream of the connection.
     */
    private void ready(Object connection, Promise<Object> result) {
        if (!(connection instanceof Http2Connection c)) {
            result.setSuccess(connection);
            return;
        }
        c.settingsReceived(cluster.spec().connectTimeoutMillis()).addListener(f -> {
            if (f.isSuccess()) {
                result.setSuccess(c);
            } else {
                c.channel().close();
                result.setFailure(f.cause());
            }
        });
    }

    private Object configure(Channel ch, boolean h2) {
        ChannelPipeline p = ch.pipeline();
        long idle = cluster.spec().idleTimeoutMillis();
        if (idle > 0) {
            // Reader idle, not all idle: a pooled connection goes idle after the read that completed
            // its last response, so both fire at the same time; but watching writes makes the
            // handler turn every write's void promise into a real one with a listener.
            p.addLast(new IdleStateHandler(idle, 0, 0, TimeUnit.MILLISECONDS));
        }
        if (h2) {
            Http2Connection c = Http2Connection.create(this, ch, H2_INITIAL_WINDOW);
            p.addLast(c, new ConnectionWindow(c, H2_CONNECTION_WINDOW));
            return c;
        }
        Http1Connection c = new Http1Connection(this, ch);
        p.addLast(new Http1ClientCodec(), c);
        return c;
    }
}
