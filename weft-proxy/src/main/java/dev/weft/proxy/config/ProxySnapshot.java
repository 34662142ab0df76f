package dev.weft.proxy.config;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The immutable runtime configuration of one proxy, built from Envoy v3 protos: a static bootstrap,
 * or a bootstrap with dynamic_resources plus the xDS resources accepted so far. Requests run to
 * completion on the snapshot they started with.
 *
 * @param version      an identifier of this configuration, shown by the admin endpoints
 * @param listeners    the listeners to bind, in bootstrap order (static ones first)
 * @param clusters     the upstream clusters by name
 * @param adminAddress where the admin listener binds, or null for none
 * @param source       the bootstrap this was built from, for /config_dump
 * @param xds          where and as whom to fetch configuration over ADS, or null for a static bootstrap
 * @param resources    the xDS resources this snapshot was built from (empty for a static bootstrap)
 */
public record ProxySnapshot(
        String version,
        List<ListenerSpec> listeners,
        Map<String, ClusterSpec> clusters,
        InetSocketAddress adminAddress,
        Bootstrap source,
        XdsSource xds,
        XdsResources resources) {

    public ProxySnapshot {
        listeners = List.copyOf(listeners);
        clusters = Collections.unmodifiableMap(new LinkedHashMap<>(clusters));
    }

    /** Whether this bootstrap asks for its listeners and clusters over ADS. */
    public boolean dynamic() {
        return xds != null;
    }
}
