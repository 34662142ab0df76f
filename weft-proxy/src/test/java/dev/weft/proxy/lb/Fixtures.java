package dev.weft.proxy.lb;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** Endpoints, clusters and pick tallies shared by the load-balancer tests. */
final class Fixtures {
    private Fixtures() {}

    /** Endpoint 10.0.0.{n}:8080, healthy. */
    static Endpoint endpoint(int n, int weight, int priority) {
        return new Endpoint(new InetSocketAddress("10.0.0." + n, 8080), weight, priority, true);
    }

    static Endpoint endpoint(int n) {
        return endpoint(n, 1, 0);
    }

    static Cluster cluster(Cluster.LbPolicy policy) {
        return Cluster.newBuilder().setName("c").setLbPolicy(policy).build();
    }

    static LoadBalancer balancer(Cluster.LbPolicy policy, List<Endpoint> endpoints) {
        return LoadBalancers.create(cluster(policy), endpoints);
    }

    /** How often each endpoint was chosen in {@code picks} picks without a hash. */
    static Map<Endpoint, Integer> tally(LoadBalancer lb, int picks) {
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(lb.choose(OptionalLong.empty()), 1, Integer::sum);
        }
        return counts;
    }

    static double share(Map<Endpoint, Integer> counts, Endpoint e, int picks) {
        return counts.getOrDefault(e, 0) / (double) picks;
    }
}
