package dev.weft.proxy.upstream;

import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Connection pools by event loop, cluster and endpoint (and the endpoint's transport: TLS and plaintext
 * connections to one endpoint never share a pool). A request takes its upstream connection
 * from the pool of the loop it runs on, so the whole exchange stays on one thread. Pools of
 * retired clusters and of endpoints a cluster no longer has are closed on their own loops, behind
 * the requests still using them.
 */
public final class UpstreamPools {
    private final Transport transport;
    private final EventLoopGroup group;
    /** Per event loop: cluster (by identity) to endpoint address to pool; looked up without allocating. */
    private final FastThreadLocal<IdentityHashMap<UpstreamCluster, HashMap<InetSocketAddress, ConnectionPool>>> pools =
            new FastThreadLocal<>() {
                @Override
                protected IdentityHashMap<UpstreamCluster, HashMap<InetSocketAddress, ConnectionPool>> initialValue() {
                    return new IdentityHashMap<>();
                }
            };

    /** @param group the event loops requests run on, each of which holds its own pools */
    public UpstreamPools(Transport transport, EventLoopGroup group) {
        this.transport = transport;
        this.group = group;
    }

    /** A stream to {@code endpoint} on {@code loop}, which must be the calling thread's loop. */
    public Future<UpstreamStream> acquire(UpstreamCluster cluster, Endpoint endpoint, EventLoop loop, boolean http1Only) {
        assert loop.inEventLoop();
        if (cluster.isRetired()) {
            // a request (a retry) still on a cluster a config update replaced: a one-off pool,
            // never kept, whose connection closes after this exchange
            ConnectionPool once = new ConnectionPool(cluster, endpoint.address(), cluster.transportIndex(endpoint), loop, transport);
            once.retire();
            return once.acquire(http1Only);
        }
        IdentityHashMap<UpstreamCluster, HashMap<InetSocketAddress, ConnectionPool>> byCluster = pools.get();
        HashMap<InetSocketAddress, ConnectionPool> byAddress = byCluster.get(cluster);
        if (byAddress == null) {
            byAddress = new HashMap<>();
            byCluster.put(cluster, byAddress);
        }
        ConnectionPool pool = byAddress.get(endpoint.address());
        int transportIndex = cluster.transportIndex(endpoint);
        if (pool != null && pool.transportIndex() != transportIndex) {
            // the endpoint's transport changed (it now speaks mTLS, or no longer does): its connections of the
            // other transport are never mixed with the new ones, they close behind their requests
            pool.retire();
            pool = null;
        }
        if (pool == null) {
            pool = new ConnectionPool(cluster, endpoint.address(), transportIndex, loop, transport);
            byAddress.put(endpoint.address(), pool);
        }
        return pool.acquire(http1Only);
    }

    /** Closes every pool of {@code cluster}, which must already be retired: idle connections now, busy ones when done. */
    public void retire(UpstreamCluster cluster) {
        for (EventExecutor loop : group) {
            loop.execute(() -> {
                HashMap<InetSocketAddress, ConnectionPool> byAddress = pools.get().remove(cluster);
                if (byAddress != null) {
                    byAddress.values().forEach(ConnectionPool::retire);
                }
            });
        }
    }

    /** Closes the pools of {@code cluster} to {@code addresses}, endpoints it no longer has. */
    public void retireEndpoints(UpstreamCluster cluster, Set<InetSocketAddress> addresses) {
        for (EventExecutor loop : group) {
            loop.execute(() -> {
                HashMap<InetSocketAddress, ConnectionPool> byAddress = pools.get().get(cluster);
                if (byAddress == null) {
                    return;
                }
                for (Iterator<Map.Entry<InetSocketAddress, ConnectionPool>> it = byAddress.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<InetSocketAddress, ConnectionPool> e = it.next();
                    if (addresses.contains(e.getKey())) {
                        e.getValue().retire();
                        it.remove();
                    }
                }
            });
        }
    }
}
