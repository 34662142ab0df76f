package dev.weft.proxy.upstream;

import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.IdentityHashMap;

/**
 * Connection pools by event loop, cluster and endpoint. A request takes its upstream connection
 * from the pool of the loop it runs on, so the whole exchange stays on one thread.
 */
public final class UpstreamPools {
    private final Transport transport;
    /** Per event loop: cluster (by identity) to endpoint address to pool; looked up without allocating. */
    private final FastThreadLocal<IdentityHashMap<UpstreamCluster, HashMap<InetSocketAddress, ConnectionPool>>> pools =
            new FastThreadLocal<>() {
                @Override
                protected IdentityHashMap<UpstreamCluster, HashMap<InetSocketAddress, ConnectionPool>> initialValue() {
                    return new IdentityHashMap<>();
                }
            };

    public UpstreamPools(Transport transport) {
        this.transport = transport;
    }

    /** A stream to {@code endpoint} on {@code loop}, which must be the calling thread's loop. */
    public Future<UpstreamStream> acquire(UpstreamCluster cluster, Endpoint endpoint, EventLoop loop, boolean http1Only) {
        assert loop.inEventLoop();
        IdentityHashMap<UpstreamCluster, HashMap<InetSocketAddress, ConnectionPool>> byCluster = pools.get();
        HashMap<InetSocketAddress, ConnectionPool> byAddress = byCluster.get(cluster);
        if (byAddress == null) {
            byAddress = new HashMap<>();
            byCluster.put(cluster, byAddress);
        }
        ConnectionPool pool = byAddress.get(endpoint.address());
        if (pool == null) {
            pool = new ConnectionPool(cluster, endpoint.address(), loop, transport);
            byAddress.put(endpoint.address(), pool);
        }
        return pool.acquire(http1Only);
    }
}
