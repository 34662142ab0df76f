package dev.weft.proxy.config;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A set of xDS resources by resource name, one map per type: what an ADS client has accepted, or a
 * candidate made of that plus one new response. Immutable; maps keep the order resources arrived in.
 */
public record XdsResources(
        Map<String, Listener> listeners,
        Map<String, RouteConfiguration> routes,
        Map<String, Cluster> clusters,
        Map<String, ClusterLoadAssignment> endpoints,
        Map<String, Secret> secrets) {

    /** No resources at all. */
    public static final XdsResources EMPTY = new XdsResources(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    public XdsResources {
        listeners = copy(listeners);
        routes = copy(routes);
        clusters = copy(clusters);
        endpoints = copy(endpoints);
        secrets = copy(secrets);
    }

    /** Resources without secrets (SDS). */
    public XdsResources(Map<String, Listener> listeners, Map<String, RouteConfiguration> routes,
            Map<String, Cluster> clusters, Map<String, ClusterLoadAssignment> endpoints) {
        this(listeners, routes, clusters, endpoints, Map.of());
    }

    private static <T> Map<String, T> copy(Map<String, T> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
