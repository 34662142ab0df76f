package dev.weft.proxy.config;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loader wiring for this package's tests, independent of the route and lb packages: it
 * registers the few route fields the test configs use, records the route configurations handed
 * to the route compiler (which compiles nothing and returns null), and has a cluster validator
 * that rejects lb_policy MAGLEV the way the lb package reports it.
 */
final class TestWiring {
    final List<RouteConfiguration> compiledRoutes = new CopyOnWriteArrayList<>();
    final BootstrapLoader.Wiring wiring;

    TestWiring() {
        this(config -> null);
    }

    TestWiring(SnapshotBuilder.RouteCompiler compiler) {
        SupportedFields fields = new SupportedFields();
        BootstrapFields.registerFields(fields);
        fields.allow(RouteConfiguration.getDescriptor(), "name", "virtual_hosts")
                .allow(VirtualHost.getDescriptor(), "name", "domains", "routes")
                .allow(Route.getDescriptor(), "match", "route")
                .allow(RouteMatch.getDescriptor(), "prefix")
                .allow(RouteAction.getDescriptor(), "cluster", "weighted_clusters")
                .allow(WeightedCluster.getDescriptor(), "clusters")
                .allow(WeightedCluster.ClusterWeight.getDescriptor(), "name", "weight")
                .allow(Cluster.getDescriptor(), "lb_policy");
        wiring = new BootstrapLoader.Wiring(fields, config -> {
            compiledRoutes.add(config);
            return compiler.compile(config);
        }, cluster -> {
            if (cluster.getLbPolicy() == Cluster.LbPolicy.MAGLEV) {
                throw new ConfigException("lb_policy", "MAGLEV is not supported");
            }
        });
    }

    ProxySnapshot parse(String yaml) throws ConfigException {
        return BootstrapLoader.parse(yaml, "bootstrap.yaml", wiring);
    }
}
