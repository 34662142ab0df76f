package dev.weft.proxy.upstream;

import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.lb.LoadBalancer;
import dev.weft.proxy.lb.LoadBalancers;
import java.util.List;
import java.util.Map;

/**
 * A cluster at run time: its spec, the endpoints it currently resolves to, the balancer over
 * them, and its circuit breakers. Spec, endpoint set and balancer are replaced together (DNS
 * refresh, EDS, a config update that changes only endpoints) and read without locks; the breakers
 * stay, as only an update that changes nothing but endpoints keeps a cluster. A cluster that a
 * config update removed or replaced is retired: requests that resolved it finish on it, its pools
 * close behind them.
 */
public final class UpstreamCluster {
    private final ClusterStats stats;
    private final CircuitBreakers breakers;
    private volatile State state;
    private volatile boolean retired;

    /** @param transports per endpoint, its transport_socket_matches index (absent: -1, the cluster's transport) */
    private record State(ClusterSpec spec, List<Endpoint> endpoints, LoadBalancer lb, Map<Endpoint, Integer> transports) {}

    UpstreamCluster(ClusterSpec spec, ClusterStats stats, ClusterManager.Resolved endpoints) {
        this.stats = stats;
        this.breakers = CircuitBreakers.of(spec.proto());
        stats.trackBreakers(breakers);
        this.state = state(spec, endpoints);
    }

    private static State state(ClusterSpec spec, ClusterManager.Resolved r) {
        return new State(spec, List.copyOf(r.endpoints()), LoadBalancers.create(spec.proto(), r.endpoints()), r.transports());
    }

    public String name() {
        return state.spec().name();
    }

    public ClusterSpec spec() {
        return state.spec();
    }

    public ClusterStats stats() {
        return stats;
    }

    /** Its circuit breakers, shared by every event loop. */
    public CircuitBreakers breakers() {
        return breakers;
    }

    public List<Endpoint> endpoints() {
        return state.endpoints();
    }

    public LoadBalancer loadBalancer() {
        return state.lb();
    }

    /**
     * Which of the spec's transports {@code endpoint} uses (see {@link ClusterSpec#transportIndex}): -1 for the
     * cluster's transport_socket. Connections to one endpoint over different transports never share a pool.
     */
    public int transportIndex(Endpoint endpoint) {
        State s = state;
        if (s.transports().isEmpty()) {
            return -1;
        }
        Integer i = s.transports().get(endpoint);
        return i == null ? -1 : i;
    }

    /** Whether a config update removed or replaced this cluster; its pools are not reused. */
    public boolean isRetired() {
        return retired;
    }

    void retire() {
        retired = true;
    }

    /** Moves to {@code spec}, whose settings equal the current ones but for the endpoints. */
    synchronized void update(ClusterSpec spec, ClusterManager.Resolved endpoints) {
        state = state(spec, endpoints);
    }

    /**
     * Replaces the endpoints resolved from {@code resolvedFrom}, unless the spec changed meanwhile
     * (a config update overtook a DNS refresh): then the refresh is stale and dropped.
     *
     * @return whether the endpoints were replaced
     */
    synchronized boolean refreshEndpoints(ClusterSpec resolvedFrom, ClusterManager.Resolved endpoints) {
        State s = state;
        if (s.spec() != resolvedFrom) {
            return false;
        }
        state = state(s.spec(), endpoints);
        return true;
    }
}
