package dev.weft.proxy.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The RDS and EDS names accepted listeners and clusters use: what the client subscribes to. Lenient
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
