package dev.weft.proxy.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The RDS, EDS and SDS names accepted listeners and clusters use: what the client subscribes to. Lenient
 * on purpose: a resource that does not parse names nothing, and the snapshot build rejects it with
 * its field path.
 */
final class ResourceNames {
    private ResourceNames() {}

    /** Route configuration names of the listeners' http_connection_managers with rds. */
    static Set<String> routes(Collection<Message> listeners) {
        Set<String> names = new TreeSet<>();
        for (Message m : listeners) {
            for (FilterChain chain : ((Listener) m).getFilterChainsList()) {
                for (Filter f : chain.getFiltersList()) {
                    if (!f.hasTypedConfig() || !f.getTypedConfig().is(HttpConnectionManager.class)) {
                        continue;
                    }
                    try {
                        HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
                        if (hcm.hasRds() && !hcm.getRds().getRouteConfigName().isEmpty()) {
                            names.add(hcm.getRds().getRouteConfigName());
                        }
                    } catch (InvalidProtocolBufferException e) {
                        // the build reports it, with its path
                    }
                }
            }
        }
        return names;
    }

    /**
     * Secret names the TLS contexts of the listeners' filter chains and of the clusters (and their
     * transport_socket_matches) fetch over ADS: SdsSecretConfigs with an sds_config.
     */
    static Set<String> secrets(Collection<Message> listeners, Collection<Message> clusters) {
        Set<String> names = new TreeSet<>();
        for (Message m : listeners) {
            for (FilterChain chain : ((Listener) m).getFilterChainsList()) {
                if (chain.hasTransportSocket()) {
                    tlsSecrets(chain.getTransportSocket(), names);
                }
            }
        }
        for (Message m : clusters) {
            Cluster c = (Cluster) m;
            if (c.hasTransportSocket()) {
                tlsSecrets(c.getTransportSocket(), names);
            }
            for (Cluster.TransportSocketMatch match : c.getTransportSocketMatchesList()) {
                tlsSecrets(match.getTransportSocket(), names);
            }
        }
        return names;
    }

    private static void tlsSecrets(TransportSocket ts, Set<String> names) {
        if (!ts.hasTypedConfig()) {
            return;
        }
        try {
            CommonTlsContext common;
            if (ts.getTypedConfig().is(DownstreamTlsContext.class)) {
                common = ts.getTypedConfig().unpack(DownstreamTlsContext.class).getCommonTlsContext();
            } else if (ts.getTypedConfig().is(UpstreamTlsContext.class)) {
                common = ts.getTypedConfig().unpack(UpstreamTlsContext.class).getCommonTlsContext();
            } else {
                return;
            }
            for (SdsSecretConfig sds : common.getTlsCertificateSdsSecretConfigsList()) {
                ads(sds, names);
            }
            ads(common.getValidationContextSdsSecretConfig(), names);
            ads(common.getCombinedValidationContext().getValidationContextSdsSecretConfig(), names);
        } catch (InvalidProtocolBufferException e) {
            // the build reports it, with its path
        }
    }

    private static void ads(SdsSecretConfig sds, Set<String> names) {
        if (sds.hasSdsConfig() && !sds.getName().isEmpty()) {
            names.add(sds.getName());
        }
    }

    /** ClusterLoadAssignment names of the EDS clusters: service_name, else the cluster name. */
    static Set<String> endpoints(Collection<Message> clusters) {
        Set<String> names = new TreeSet<>();
        for (Message m : clusters) {
            Cluster c = (Cluster) m;
            if (c.getType() == Cluster.DiscoveryType.EDS) {
                String service = c.getEdsClusterConfig().getServiceName();
                names.add(service.isEmpty() ? c.getName() : service);
            }
        }
        return names;
    }
}
