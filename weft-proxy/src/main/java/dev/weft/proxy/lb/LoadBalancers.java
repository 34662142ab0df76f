package dev.weft.proxy.lb;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.SupportedFields;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;

/** Builds the load balancer a cluster asks for. CONTRACT. */
public final class LoadBalancers {
    private LoadBalancers() {}

    /** Checks the cluster's lb_policy and its lb config; path relative to the cluster, e.g. "lb_policy". */
    public static void validate(Cluster cluster) throws ConfigException { throw new UnsupportedOperationException(); }

    /** Registers the load-balancing fields this package implements. */
    public static void registerFields(SupportedFields fields) { throw new UnsupportedOperationException(); }

    /** A balancer over {@code endpoints} per the (validated) cluster's lb_policy. */
    public static LoadBalancer create(Cluster cluster, List<Endpoint> endpoints) { throw new UnsupportedOperationException(); }
}
