package dev.weft.proxy.config;

import dev.weft.proxy.tls.SecretStore;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

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
 * @param secrets      the proxy's TLS secrets, which TLS contexts resolve by name at each handshake: made with the
 *                     bootstrap's snapshot (holding static_resources.secrets) and shared by every snapshot after it
 * @param requiredSecrets the secret names the listeners and clusters use; the snapshot serves only once all are
 *                     in {@code secrets} (before, it is warming)
 */
public record ProxySnapshot(
        String version,
        List<ListenerSpec> listeners,
        Map<String, ClusterSpec> clusters,
        InetSocketAddress adminAddress,
        Bootstrap source,
        XdsSource xds,
        XdsResources resources,
        SecretStore secrets,
        Set<String> requiredSecrets) {

    public ProxySnapshot {
        listeners = List.copyOf(listeners);
        clusters = Collections.unmodifiableMap(new LinkedHashMap<>(clusters));
        requiredSecrets = Collections.unmodifiableSet(new TreeSet<>(requiredSecrets));
    }

    /** The required secrets {@link #secrets} does not have now. */
    public Set<String> missingSecrets() {
        Set<String> missing = new TreeSet<>();
        for (String name : requiredSecrets) {
            if (!secrets.has(name)) {
                missing.add(name);
            }
        }
        return missing;
    }

    /** Whether this bootstrap asks for its listeners and clusters over ADS. */
    public boolean dynamic() {
        return xds != null;
    }
}
