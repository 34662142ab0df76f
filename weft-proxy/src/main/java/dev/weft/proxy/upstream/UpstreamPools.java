package dev.weft.proxy.upstream;

import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.HashMap;

/**
 * Connection pools by event loop, cluster and endpoint. A request takes its upstream connection
 * from the pool of the loop it runs on, so the whole exchange stays on one thread.
 */
public final class UpstreamPools {
    private final Transport transport;
    private final FastThreadLocal<HashMap<Key, ConnectionPool>> pools = new FastThreadLocal<>() {
        @Override
        protected HashMap<Key, ConnectionPool> initialValue() {
            return new HashMap<>();
        }
    };

    private record Key(UpstreamCluster cluster, InetSocketAddress address) {}

    public UpstreamPools(Transport transport) {
        this.transport = transport;
    }

    /** A stream to {@code endpoint} on {@code loop}, which must be the calling thread's loop. */
    public Future<UpstreamStream> acquire(UpstreamCluster cluster, Endpoint endpoint, EventLoop loop, boolean http1Only) {
        assert loop.inEventLoop();
        ConnectionPool pool = pools.get().computeIfAbsent(new Key(cluster, endpoint.address()),
                k -> new ConnectionPool(cluster, k.address(), loop, transport));
        return pool.acquire(http1Only);
    }
}
