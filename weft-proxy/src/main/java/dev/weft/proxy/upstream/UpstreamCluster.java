package dev.weft.proxy.upstream;

import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.lb.LoadBalancer;
import dev.weft.proxy.lb.LoadBalancers;
import java.util.List;

/**
 * A cluster at run time: its spec, the endpoints it currently resolves to, the balancer over
 * them, and its circuit breakers. The endpoint set and balancer are replaced together (DNS refresh) and read without locks.
 */
public final class UpstreamCluster {
    private final ClusterSpec spec;
    private final ClusterStats stats;
    private final CircuitBreakers breakers;
    private volatile State state;

    private record State(List<Endpoint> endpoints, LoadBalancer lb) {}

    UpstreamCluster(ClusterSpec spec, ClusterStats stats, List<Endpoint> endpoints) {
        this.spec = spec;
        this.stats = stats;
        this.breakers = CircuitBreakers.of(spec.proto());
        stats.trackBreakers(breakers);
        this.state = new State(List.copyOf(endpoints), LoadBalancers.create(spec.proto(), endpoints));
    }

    public String name() {
        return spec.name();
    }

    public ClusterSpec spec() {
        return spec;
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

    /** Replaces the endpoint set (after re-resolution) and builds a balancer over it. */
    void updateEndpoints(List<Endpoint> endpoints) {
        state = new State(List.copyOf(endpoints), LoadBalancers.create(spec.proto(), endpoints));
    }
}
