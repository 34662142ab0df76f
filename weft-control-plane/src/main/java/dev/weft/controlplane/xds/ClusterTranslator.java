package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import dev.weft.api.policy.ConnectionPool;
import dev.weft.api.policy.DestinationPolicySpec;
import dev.weft.api.policy.LoadBalancerAlgorithm;
import dev.weft.api.registry.ServicePort;
import dev.weft.api.registry.ServiceProtocol;
import dev.weft.controlplane.registry.InstanceView;
import dev.weft.controlplane.registry.ServiceView;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Translates services into clusters and endpoints: EDS clusters configured from the Service's DestinationPolicy
 * (falling back on the MeshConfig defaults), their ClusterLoadAssignments (healthy instances grouped by the
 * {@code zone} label), and a sidecar's STATIC inbound cluster to its app. A sidecar's cluster with an instance
 * known by DNS name is STRICT_DNS with the assignment inline, since EDS endpoints are IP literals.
 *
 * <p>A sidecar's clusters and endpoints carry {@code filter_metadata["weft"]}: the Service a cluster reaches
 * ({@code service}, {@code namespace}) and the workload and version behind an endpoint ({@code workload}: the
 * instance's service account when it authenticated, else its Service; {@code version}: its {@code version} label),
 * which the proxy's request metrics use as destination labels.
 *
 * <p>Proxyless gRPC clients get RANDOM as ROUND_ROBIN (grpc-java has no random balancer), no HTTP protocol options
 * (they always speak HTTP/2) and a weight on each locality (grpc-java ignores a locality without one).
 */
final class ClusterTranslator {

    /** The loopback address a sidecar reaches its local app at. */
    static final String APP_HOST = "127.0.0.1";
    /** The filter_metadata key of the labels the proxy's metrics read. */
    static final String WEFT_METADATA = "weft";

    private final MeshModel model;
    private final NodeInfo.Role flavor;

    ClusterTranslator(MeshModel model, NodeInfo.Role flavor) {
        this.model = model;
        this.flavor = flavor;
    }

    Cluster outbound(ClusterRef ref) {
        Optional<ServiceView> service = model.service(ref.namespace(), ref.service());
        DestinationPolicySpec policy = model.policy(ref.namespace(), ref.service());
        ConnectionPool pool = policy == null ? null : policy.connectionPool();
        LoadBalancerAlgorithm algorithm = policy != null && policy.loadBalancer() != null
                && policy.loadBalancer().algorithm() != null ? policy.loadBalancer().algorithm()
                : model.defaults().loadBalancerAlgorithm();
        Cluster.Builder cluster = Cluster.newBuilder()
                .setName(ref.name())
                .setLbPolicy(lbPolicy(algorithm));
        List<InstanceView> instances = model.endpoints(ref);
        if (flavor == NodeInfo.Role.SIDECAR && instances.stream().anyMatch(i -> !isIpLiteral(i.address()))) {
            // EDS endpoints must be IP literals (Envoy and Weft NACK a name), so the sidecar resolves the names
            cluster.setType(Cluster.DiscoveryType.STRICT_DNS).setLoadAssignment(assignment(ref, instances));
        } else {
            cluster.setType(Cluster.DiscoveryType.EDS)
                    .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(XdsResources.ads())
                            .setServiceName(ref.name()));
        }
        if (pool != null && pool.connectTimeout() != null) {
            cluster.setConnectTimeout(RouteTranslator.duration(pool.connectTimeout()));
        }
        if (pool != null && (pool.maxConnections() != null || pool.maxPendingRequests() != null)) {
            CircuitBreakers.Thresholds.Builder thresholds = CircuitBreakers.Thresholds.newBuilder();
            if (pool.maxConnections() != null) {
                thresholds.setMaxConnections(UInt32Value.of(pool.maxConnections()));
            }
            if (pool.maxPendingRequests() != null) {
                thresholds.setMaxPendingRequests(UInt32Value.of(pool.maxPendingRequests()));
            }
            cluster.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(thresholds));
        }
        if (flavor == NodeInfo.Role.SIDECAR) {
            cluster.setMetadata(Metadata.newBuilder().putFilterMetadata(WEFT_METADATA, Struct.newBuilder()
                    .putFields("service", string(ref.service()))
                    .putFields("namespace", string(ref.namespace())).build()));
            boolean http2 = pool != null && Boolean.TRUE.equals(pool.http2())
                    || service.map(s -> speaksHttp2(s, ref.port())).orElse(false);
            protocolOptions(cluster, http2, pool);
        }
        return cluster.build();
    }

    /** The EDS resource of an outbound cluster {@link #outbound} made of type EDS. */
    ClusterLoadAssignment endpoints(ClusterRef ref) {
        return assignment(ref, model.endpoints(ref));
    }

    private ClusterLoadAssignment assignment(ClusterRef ref, List<InstanceView> instances) {
        Map<String, List<LbEndpoint>> byZone = new TreeMap<>();
        for (InstanceView instance : instances) {
            LbEndpoint.Builder endpoint = LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder()
                    .setAddress(XdsResources.address(instance.address(), instance.port())));
            if (flavor == NodeInfo.Role.SIDECAR) {
                // an authenticated sidecar's inbound listener speaks mTLS: callers pick tlsMode-weft for it
                Metadata.Builder metadata = instance.identity() != null ? MtlsResources.mtlsEndpoint().toBuilder()
                        : Metadata.newBuilder();
                endpoint.setMetadata(metadata.putFilterMetadata(WEFT_METADATA, workload(instance)));
            }
            byZone.computeIfAbsent(instance.labels().getOrDefault("zone", ""), z -> new ArrayList<>())
                    .add(endpoint.build());
        }
        ClusterLoadAssignment.Builder assignment = ClusterLoadAssignment.newBuilder().setClusterName(ref.name());
        byZone.forEach((zone, endpoints) -> {
            LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder().addAllLbEndpoints(endpoints);
            if (!zone.isEmpty()) {
                locality.setLocality(Locality.newBuilder().setZone(zone));
            }
            if (flavor == NodeInfo.Role.PROXYLESS) {
                locality.setLoadBalancingWeight(UInt32Value.of(endpoints.size()));
            }
            assignment.addEndpoints(locality);
        });
        return assignment.build();
    }

    /** The metrics labels of an instance: its workload (service account, else Service) and version label. */
    private static Struct workload(InstanceView instance) {
        Struct.Builder s = Struct.newBuilder().putFields("workload",
                string(instance.identity() != null ? instance.identity().account() : instance.service()));
        String version = instance.labels().get("version");
        if (version != null && !version.isEmpty()) {
            s.putFields("version", string(version));
        }
        return s.build();
    }

    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    /** The sidecar's cluster to its local app: STATIC, 127.0.0.1:app_port, h2 when the app speaks HTTP/2 or gRPC. */
    static Cluster inbound(String name, int appPort, ServiceProtocol protocol) {
        Cluster.Builder cluster = Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
                        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder()
                                        .setAddress(XdsResources.address(APP_HOST, appPort))))));
        protocolOptions(cluster, protocol == ServiceProtocol.HTTP2 || protocol == ServiceProtocol.GRPC, null);
        return cluster.build();
    }

    private static void protocolOptions(Cluster.Builder cluster, boolean http2, ConnectionPool pool) {
        HttpProtocolOptions.Builder common = HttpProtocolOptions.newBuilder();
        if (pool != null && pool.idleTimeout() != null) {
            common.setIdleTimeout(RouteTranslator.duration(pool.idleTimeout()));
        }
        if (pool != null && pool.maxRequestsPerConnection() != null) {
            common.setMaxRequestsPerConnection(UInt32Value.of(pool.maxRequestsPerConnection()));
        }
        boolean hasCommon = !common.build().equals(HttpProtocolOptions.getDefaultInstance());
        if (!http2 && !hasCommon) {
            return;
        }
        var explicit = io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig
                .newBuilder();
        if (http2) {
            explicit.setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance());
        } else {
            explicit.setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance());
        }
        var options = io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                .setExplicitHttpConfig(explicit);
        if (hasCommon) {
            options.setCommonHttpProtocolOptions(common);
        }
        cluster.putTypedExtensionProtocolOptions(XdsResources.HTTP_PROTOCOL_OPTIONS, Any.pack(options.build()));
    }

    private Cluster.LbPolicy lbPolicy(LoadBalancerAlgorithm algorithm) {
        if (algorithm == null) {
            return Cluster.LbPolicy.ROUND_ROBIN;
        }
        return switch (algorithm) {
            case ROUND_ROBIN -> Cluster.LbPolicy.ROUND_ROBIN;
            case LEAST_REQUEST -> Cluster.LbPolicy.LEAST_REQUEST;
            case RANDOM -> flavor == NodeInfo.Role.PROXYLESS ? Cluster.LbPolicy.ROUND_ROBIN : Cluster.LbPolicy.RANDOM;
            case RING_HASH -> Cluster.LbPolicy.RING_HASH;
        };
    }

    /**
     * Whether an instance address is an IP literal rather than a DNS name. Addresses are validated when they enter
     * the registry (weft-api's {@code Formats.address}): a name is never only digits and dots, and has no colon.
     */
    static boolean isIpLiteral(String address) {
        return address.indexOf(':') >= 0 || address.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /** Whether a service port speaks HTTP/2 (HTTP2 or GRPC); for an implicit service, whether any port does. */
    static boolean speaksHttp2(ServiceView service, int port) {
        for (ServicePort p : service.ports()) {
            if ((p.port() == port || !service.declared())
                    && (p.protocol() == ServiceProtocol.HTTP2 || p.protocol() == ServiceProtocol.GRPC)) {
                return true;
            }
        }
        return false;
    }
}
