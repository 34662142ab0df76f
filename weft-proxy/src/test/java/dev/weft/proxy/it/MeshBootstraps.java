package dev.weft.proxy.it;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import dev.weft.proxy.tls.Secrets;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;

/**
 * Sidecar-shaped configuration as the control plane emits it for mTLS (issue 4 contract): the inbound listener in
 * STRICT or PERMISSIVE mode, the outbound cluster with transport_socket_matches, and endpoints carrying the
 * {@code tlsMode: weft} transport socket match metadata.
 */
public final class MeshBootstraps {
    public static final String TLS = "envoy.transport_sockets.tls";
    private static final ConfigSource ADS = ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3)
            .build();

    /** The inbound listener's mode. */
    public enum Mode { STRICT, PERMISSIVE, DISABLE }

    private MeshBootstraps() {}

    /** An SDS reference over ADS. */
    public static SdsSecretConfig sds(String name) {
        return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ADS).build();
    }

    public static TlsParameters tls12to13() {
        return TlsParameters.newBuilder()
                .setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_2)
                .setTlsMaximumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_3)
                .build();
    }

    /** The inbound mTLS transport socket: SVID "default", clients verified against "ROOTCA" and required. */
    public static TransportSocket inboundTls() {
        DownstreamTlsContext ctx = DownstreamTlsContext.newBuilder()
                .setRequireClientCertificate(BoolValue.of(true))
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .setTlsParams(tls12to13())
                        .addAlpnProtocols("h2").addAlpnProtocols("http/1.1")
                        .addTlsCertificateSdsSecretConfigs(sds(Secrets.DEFAULT))
                        .setValidationContextSdsSecretConfig(sds(Secrets.ROOTCA)))
                .build();
        return TransportSocket.newBuilder().setName(TLS).setTypedConfig(Any.pack(ctx)).build();
    }

    /** The inbound listener on an ephemeral port, routing to cluster {@code app}. */
    public static Listener inbound(Mode mode) {
        Listener.Builder l = Listener.newBuilder().setName("inbound").setAddress(address(0));
        Filter hcm = hcm("inbound", "app");
        switch (mode) {
            case STRICT -> l.addFilterChains(FilterChain.newBuilder().setName("inbound-mtls")
                    .addFilters(hcm).setTransportSocket(inboundTls()));
            case PERMISSIVE -> l.addListenerFilters(ListenerFilter.newBuilder()
                            .setName("envoy.filters.listener.tls_inspector").setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())))
                    .addFilterChains(FilterChain.newBuilder().setName("inbound-mtls")
                            .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls"))
                            .addFilters(hcm).setTransportSocket(inboundTls()))
                    .addFilterChains(FilterChain.newBuilder().setName("inbound-plaintext")
                            .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer"))
                            .addFilters(hcm));
            case DISABLE -> l.addFilterChains(FilterChain.newBuilder().addFilters(hcm));
        }
        return l.build();
    }

    /** A plaintext listener "outbound" routing to cluster {@code svc}. */
    public static Listener outbound() {
        return Listener.newBuilder().setName("outbound").setAddress(address(0))
                .addFilterChains(FilterChain.newBuilder().addFilters(hcm("outbound", "svc")))
                .build();
    }

    /**
     * The client side of a service: transport_socket_matches tlsMode-weft (mTLS with the SVID "default",
     * the server checked against "ROOTCA" and one of {@code expectedIds}) and tlsMode-disabled (plaintext).
     */
    public static Cluster.Builder meshCluster(String name, String sni, List<String> expectedIds) {
        CertificateValidationContext.Builder sans = CertificateValidationContext.newBuilder();
        for (String id : expectedIds) {
            sans.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                    .setSanType(SubjectAltNameMatcher.SanType.URI)
                    .setMatcher(StringMatcher.newBuilder().setExact(id)));
        }
        UpstreamTlsContext ctx = UpstreamTlsContext.newBuilder()
                .setSni(sni)
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .setTlsParams(tls12to13())
                        .addTlsCertificateSdsSecretConfigs(sds(Secrets.DEFAULT))
                        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                                .setDefaultValidationContext(sans)
                                .setValidationContextSdsSecretConfig(sds(Secrets.ROOTCA))))
                .build();
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Durations.fromSeconds(2))
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                        .setName("tlsMode-weft")
                        .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("weft").build()))
                        .setTransportSocket(TransportSocket.newBuilder().setName(TLS).setTypedConfig(Any.pack(ctx))))
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                        .setName("tlsMode-disabled")
                        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer")));
    }

    /** An endpoint on 127.0.0.1:{@code port}; {@code mtls} adds the metadata of an authenticated sidecar. */
    public static LbEndpoint endpoint(int port, boolean mtls) {
        LbEndpoint.Builder e = LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(port)));
        if (mtls) {
            e.setMetadata(Metadata.newBuilder().putFilterMetadata("envoy.transport_socket_match",
                    Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("weft").build()).build()));
        }
        return e.build();
    }

    public static ClusterLoadAssignment assignment(String name, LbEndpoint... endpoints) {
        return ClusterLoadAssignment.newBuilder().setClusterName(name)
                .addEndpoints(LocalityLbEndpoints.newBuilder().addAllLbEndpoints(List.of(endpoints)))
                .build();
    }

    /** A plaintext STATIC cluster to 127.0.0.1:{@code port}. */
    public static Cluster plainCluster(String name, int port) {
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Durations.fromSeconds(2))
                .setLoadAssignment(assignment(name, endpoint(port, false)))
                .build();
    }

    /** A static bootstrap: admin on an ephemeral port, these listeners, clusters and static secrets. */
    public static Bootstrap bootstrap(List<Listener> listeners, List<Cluster> clusters, List<Secret> secrets) {
        return Bootstrap.newBuilder()
                .setAdmin(Admin.newBuilder().setAddress(address(0)))
                .setStaticResources(Bootstrap.StaticResources.newBuilder()
                        .addAllListeners(listeners).addAllClusters(clusters).addAllSecrets(secrets))
                .build();
    }

    /** An http_connection_manager routing everything to {@code cluster}. */
    public static Filter hcm(String statPrefix, String cluster) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(statPrefix)
                .setRouteConfig(RouteConfiguration.newBuilder().setName(statPrefix)
                        .addVirtualHosts(VirtualHost.newBuilder().setName("all").addDomains("*")
                                .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                        .setRoute(RouteAction.newBuilder().setCluster(cluster)))))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                .setTypedConfig(Any.pack(hcm)).build();
    }

    public static Address address(int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)).build();
    }
}
