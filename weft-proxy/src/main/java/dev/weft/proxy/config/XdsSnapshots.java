package dev.weft.proxy.config;

import dev.weft.proxy.tls.Secrets;
import dev.weft.proxy.tls.TlsSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Builds the snapshot of a dynamic proxy from its bootstrap snapshot and a set of xDS resources,
 * checked exactly as a static bootstrap is (supported subset, then meaning), with errors whose
 * path starts at the resource: {@code Listener[outbound].filter_chains[0]...},
 * {@code RouteConfiguration[outbound].virtual_hosts[0]...}, {@code Cluster[...]},
 * {@code ClusterLoadAssignment[...]}, {@code Secret[...]}.
 */
public final class XdsSnapshots {
    private XdsSnapshots() {}

    /**
     * A validated candidate snapshot. It may only be applied when complete: every route
     * configuration a listener names (rds), every ClusterLoadAssignment an EDS cluster needs and every
     * secret a TLS context names is present. Until then it is warming, as a listener or cluster is in Envoy.
     *
     * @param snapshot         the snapshot, with empty route tables and endpoint sets in place of what is missing
     * @param missingRoutes    RouteConfiguration names listeners use that are not in the resources
     * @param missingEndpoints ClusterLoadAssignment names EDS clusters use that are not in the resources
     * @param missingSecrets   secret names TLS contexts use that are neither in the resources nor provided
     *                         locally or by the bootstrap
     */
    public record Candidate(ProxySnapshot snapshot, Set<String> missingRoutes, Set<String> missingEndpoints,
            Set<String> missingSecrets) {
        public Candidate {
            missingRoutes = Set.copyOf(missingRoutes);
            missingEndpoints = Set.copyOf(missingEndpoints);
            missingSecrets = Set.copyOf(missingSecrets);
        }

        /** Whether nothing named is missing, so the snapshot can serve. */
        public boolean complete() {
            return missingRoutes.isEmpty() && missingEndpoints.isEmpty() && missingSecrets.isEmpty();
        }
    }

    /**
     * Builds the candidate for {@code resources} on top of {@code bootstrap} (a snapshot with
     * {@link ProxySnapshot#xds()}), whose static listeners and clusters it keeps.
     *
     * @throws ConfigException naming the first resource and field Weft cannot run
     */
    public static Candidate build(ProxySnapshot bootstrap, XdsResources resources, String version) throws ConfigException {
        if (!bootstrap.dynamic()) {
            throw new IllegalArgumentException("bootstrap " + bootstrap.version() + " has no dynamic_resources");
        }
        return BootstrapLoader.Wiring.standard().snapshots().build(bootstrap, resources, version);
    }

    /**
     * Checks SDS secrets against the supported subset and compiles them (certificates and keys read and matched,
     * trust bundles parsed), with paths {@code Secret[name]...}.
     *
     * @throws ConfigException naming the first secret and field that is wrong
     */
    public static Map<String, TlsSecret> compileSecrets(Map<String, Secret> secrets) throws ConfigException {
        Map<String, TlsSecret> out = new LinkedHashMap<>();
        for (Map.Entry<String, Secret> e : secrets.entrySet()) {
            String path = "Secret[" + e.getKey() + "]";
            BootstrapLoader.Wiring.standard().subset().check(e.getValue(), path);
            out.put(e.getKey(), Secrets.compile(e.getValue(), path));
        }
        return out;
    }
}
