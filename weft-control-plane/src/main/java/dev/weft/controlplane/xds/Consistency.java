package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks that a snapshot is consistent: every route configuration a listener names by RDS and every EDS service name
 * a cluster names is in it, and it holds no route configuration or assignment nothing names. This is
 * java-control-plane's {@code Snapshot.ensureConsistent()} for the current extension names: that one finds the HTTP
 * connection manager only under its deprecated name {@code envoy.http_connection_manager} and not in API listeners.
 */
final class Consistency {

    private Consistency() {
    }

    /** @throws IllegalStateException naming the dangling or unused names */
    static void ensureConsistent(Snapshot snapshot) {
        Set<String> routeRefs = new TreeSet<>();
        for (Listener listener : snapshot.listeners().resources().values()) {
            List<Any> managers = new ArrayList<>();
            if (listener.hasApiListener()) {
                managers.add(listener.getApiListener().getApiListener());
            }
            for (FilterChain chain : listener.getFilterChainsList()) {
                for (Filter filter : chain.getFiltersList()) {
                    managers.add(filter.getTypedConfig());
                }
            }
            for (Any manager : managers) {
                if (manager.is(HttpConnectionManager.class)) {
                    HttpConnectionManager hcm = unpack(manager, listener.getName());
                    if (hcm.hasRds()) {
                        routeRefs.add(hcm.getRds().getRouteConfigName());
                    }
                }
            }
        }
        Set<String> endpointRefs = new TreeSet<>();
        for (Cluster cluster : snapshot.clusters().resources().values()) {
            if (cluster.getType() == Cluster.DiscoveryType.EDS) {
                String serviceName = cluster.getEdsClusterConfig().getServiceName();
                endpointRefs.add(serviceName.isEmpty() ? cluster.getName() : serviceName);
            }
        }
        same("RDS route configurations named by listeners", routeRefs, snapshot.routes().resources().keySet());
        same("EDS assignments named by clusters", endpointRefs, snapshot.endpoints().resources().keySet());
    }

    private static void same(String what, Set<String> referenced, Set<String> present) {
        if (!referenced.equals(present)) {
            Set<String> missing = new TreeSet<>(referenced);
            missing.removeAll(present);
            Set<String> unused = new TreeSet<>(present);
            unused.removeAll(referenced);
            throw new IllegalStateException(what + " do not match: missing " + missing + ", unreferenced " + unused);
        }
    }

    private static HttpConnectionManager unpack(Any any, String listener) {
        try {
            return any.unpack(HttpConnectionManager.class);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("listener " + listener + " holds an unreadable HttpConnectionManager", e);
        }
    }
}
