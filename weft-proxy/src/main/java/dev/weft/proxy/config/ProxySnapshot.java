package dev.weft.proxy.config;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * The immutable runtime configuration of one proxy, built from Envoy v3 protos (a static bootstrap
 * today, xDS resources later). Requests run to completion on the snapshot they started with.
 *
 * @param version      an identifier of this configuration, shown by the admin endpoints
 * @param listeners    the listeners to bind, in bootstrap order
 * @param clusters     the upstream clusters by name
 * @param adminAddress where the admin listener binds, or null for none
 * @param source       the bootstrap this was built from, for /config_dump
 */
public record ProxySnapshot(
        String version,
        List<ListenerSpec> listeners,
        Map<String, ClusterSpec> clusters,
        InetSocketAddress adminAddress,
        Bootstrap source) {

    public ProxySnapshot {
        listeners = List.copyOf(listeners);
        clusters = Map.copyOf(clusters);
    }
}
