package dev.weft.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.List;
import java.util.function.UnaryOperator;

/** xDS resources and bootstraps as the Weft control plane makes them (see docs/architecture.md, config flow). */
public final class XdsFixtures {
    public static final String NODE = "sidecar~127.0.0.1~reviews.default~9080";
    private static final ConfigSource ADS = ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3)
            .build();

    private XdsFixtures() {}

    /** The bootstrap a sidecar is started with: node, admin, the static cluster "xds", ADS for LDS and CDS. */
    public static Bootstrap bootstrap(int xdsPort) {
        Struct metadata = Struct.newBuilder()
                .putFields("weft.role", Value.newBuilder().setStringValue("sidecar").build())
                .putFields("weft.namespace", Value.newBuilder().setStringValue("default").build())
                .putFields("weft.service", Value.newBuilder().setStringValue("reviews").build())
                .build();
        return Bootstrap.newBuilder()
                .setNode(Node.newBuilder().setId(NODE).setCluster("reviews").setMetadata(metadata))
                .setAdmin(Admin.newBuilder().setAddress(address(0)))
                .setStaticResources(Bootstrap.StaticResources.newBuilder()
                        .addClusters(staticCluster("xds", xdsPort).toBuilder()
                                .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance())))
                .setDynamicResources(Bootstrap.DynamicResources.newBuilder()
                        .setAdsConfig(ApiConfigSource.newBuilder()
                                .setApiType(ApiConfigSource.ApiType.GRPC)
                                .setTransportApiVersion(ApiVersion.V3)
                                .addGrpcServices(GrpcService.newBuilder()
                                        .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName("xds"))))
                        .setLdsConfig(ADS)
                        .setCdsConfig(ADS))
                .build();
    }

    /** A listener on 127.0.0.1:{@code port} whose routes come over RDS as {@code routeConfig}. */
    public static Listener listener(String name, int port, String routeConfig) {
        return listener(name, port, routeConfig, hcm -> hcm);
    }

    /** As {@link #listener(String, int, String)}, with the http_connection_manager changed by {@code edit}. */
    public static Listener listener(String name, int port, String routeConfig, UnaryOperator<HttpConnectionManager.Builder> edit) {
        HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(name)
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRds(Rds.newBuilder().setRouteConfigName(routeConfig).setConfigSource(ADS))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())));
        return Listener.newBuilder()
                .setName(name)
                .setAddress(address(port))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(edit.apply(hcm).build()))))
                .build();
    }

    /** One virtual host "*" sending everything to {@code cluster}. */
    public static RouteConfiguration routes(String name, String cluster) {
        return RouteConfiguration.newBuilder()
                .setName(name)
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName("all")
                        .addDomains("*")
                        .addRoutes(Route.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster(cluster))))
                .build();
    }

    /** An EDS cluster whose endpoints come as the ClusterLoadAssignment of its own name. */
    public static Cluster edsCluster(String name) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setConnectTimeout(Durations.fromSeconds(1))
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
                .build();
    }

    public static Cluster staticCluster(String name, int... ports) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Durations.fromSeconds(1))
                .setLoadAssignment(endpoints(name, ports))
                .build();
    }

    /** Endpoints on 127.0.0.1 at {@code ports}. */
    public static ClusterLoadAssignment endpoints(String name, int... ports) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        for (int port : ports) {
            locality.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(port))));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(locality).build();
    }

    public static Snapshot snapshot(String version, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints,
            List<Listener> listeners, List<RouteConfiguration> routes) {
        return Snapshot.create(clusters, endpoints, listeners, routes, List.of(), version);
    }

    public static Address address(int port) {
        return Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port))
                .build();
    }
}
