package dev.weft.proxy.config;

import static dev.weft.proxy.xds.XdsFixtures.edsCluster;
import static dev.weft.proxy.xds.XdsFixtures.endpoints;
import static dev.weft.proxy.xds.XdsFixtures.listener;
import static dev.weft.proxy.xds.XdsFixtures.routes;
import static dev.weft.proxy.xds.XdsFixtures.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import dev.weft.proxy.xds.XdsFixtures;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Dynamic bootstraps (dynamic_resources over ADS) and snapshots built from xDS resources: what is
 * accepted, what is still warming, and errors named by resource and field path.
 */
class XdsSnapshotsTest {
    private static final String DYNAMIC = """
            node:
              id: sidecar~127.0.0.1~reviews.default~9080
              cluster: reviews
              metadata: {weft.role: sidecar, weft.inbound_port: 9080}
            admin:
              address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            dynamic_resources:
              ads_config:
                api_type: GRPC
                transport_api_version: V3
                grpc_services: [{envoy_grpc: {cluster_name: xds}}]
              lds_config: {ads: {}, resource_api_version: V3}
              cds_config: {ads: {}}
            static_resources:
              clusters:
              - name: xds
                type: STATIC
                http2_protocol_options: {}
                load_assignment:
                  cluster_name: xds
                  endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 18000}}}}]}]
            """;

    @Test
    void aDynamicBootstrapNamesItsControlPlaneAndNeedsNoListener() throws Exception {
        ProxySnapshot s = BootstrapLoader.parse(DYNAMIC, "sidecar.yaml");

        assertThat(s.dynamic()).isTrue();
        assertThat(s.xds().clusterName()).isEqualTo("xds");
        assertThat(s.xds().host()).isEqualTo("127.0.0.1");
        assertThat(s.xds().port()).isEqualTo(18000);
        assertThat(s.xds().node().getMetadata().getFieldsOrThrow("weft.role").getStringValue()).isEqualTo("sidecar");
        assertThat(s.listeners()).isEmpty();
    }

    @Test
    void aBootstrapBuiltInCodeIsCheckedAsAFileIs() throws Exception {
        Bootstrap good = XdsFixtures.bootstrap(18000);
        Bootstrap rest = good.toBuilder().setDynamicResources(good.getDynamicResources().toBuilder()
                .setAdsConfig(good.getDynamicResources().getAdsConfig().toBuilder().setApiType(ApiConfigSource.ApiType.REST)))
                .build();

        assertThat(BootstrapLoader.build(good).xds().port()).isEqualTo(18000);
        assertThatThrownBy(() -> BootstrapLoader.build(rest)).isInstanceOf(ConfigException.class)
                .hasMessage("dynamic_resources.ads_config.api_type: REST is not supported by Weft (supported: GRPC)");
    }

    @Test
    void dynamicResourcesErrorsNameTheirField() {
        assertRejected(DYNAMIC.replace("cluster_name: xds}", "cluster_name: elsewhere}"),
                "dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name: unknown cluster \"elsewhere\" (it must be a static cluster)");
        assertRejected(DYNAMIC.replace("    http2_protocol_options: {}\n", ""),
                "dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name: cluster \"xds\" must speak HTTP/2 for gRPC (set http2_protocol_options)");
        assertRejected(DYNAMIC.replace("cds_config: {ads: {}}", "cds_config: {path_config_source: {path: /tmp/cds.yaml}}"),
                "dynamic_resources.cds_config.path_config_source: is not supported by Weft (see docs/envoy-compat.md)");
        assertRejected(DYNAMIC.replace("  cds_config: {ads: {}}\n", ""), "dynamic_resources.cds_config: is required (ads: {})");
        assertRejected(DYNAMIC.replace("  id: sidecar~127.0.0.1~reviews.default~9080\n", ""),
                "node.id: is required with dynamic_resources (the control plane tells proxies apart by it)");
    }

    @Test
    void rdsAndEdsResolveToTheirResourcesAndWhatIsMissingIsWarming() throws Exception {
        ProxySnapshot base = BootstrapLoader.parse(DYNAMIC, "sidecar.yaml");
        Map<String, Listener> listeners = Map.of("main", listener("main", 0, "main"));
        Map<String, Cluster> clusters = Map.of("models", edsCluster("models"));

        XdsSnapshots.Candidate warming = XdsSnapshots.build(base,
                new XdsResources(listeners, Map.of(), clusters, Map.of()), "v1");
        XdsSnapshots.Candidate complete = XdsSnapshots.build(base, new XdsResources(listeners,
                Map.of("main", routes("main", "models")), clusters, Map.of("models", endpoints("models", 9001, 9002))), "v2");

        assertThat(warming.complete()).isFalse();
        assertThat(warming.missingRoutes()).containsExactly("main");
        assertThat(warming.missingEndpoints()).containsExactly("models");
        assertThat(complete.complete()).isTrue();
        ProxySnapshot s = complete.snapshot();
        assertThat(s.listeners()).extracting(ListenerSpec::name).containsExactly("main");
        assertThat(s.clusters()).containsKeys("xds", "models");
        assertThat(s.clusters().get("models").type()).isEqualTo(ClusterSpec.DiscoveryType.EDS);
        assertThat(s.clusters().get("models").endpoints()).extracting(EndpointSpec::port).containsExactly(9001, 9002);
        assertThat(s.version()).isEqualTo("v2");
    }

    @Test
    void errorsNameTheResourceAndFieldPath() throws Exception {
        ProxySnapshot base = BootstrapLoader.parse(DYNAMIC, "sidecar.yaml");
        RouteConfiguration badRoutes = routes("main", "models").toBuilder()
                .setValidateClusters(BoolValue.of(true)).build();
        Cluster edsWithLoadAssignment = edsCluster("models").toBuilder().setLoadAssignment(endpoints("models", 9001)).build();
        Cluster notAds = edsCluster("models").toBuilder().setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                .setEdsConfig(ConfigSource.newBuilder().setPath("/tmp/eds.yaml"))).build();
        ClusterLoadAssignment namedHost = ClusterLoadAssignment.newBuilder().setClusterName("models")
                .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                        .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                                SocketAddress.newBuilder().setAddress("models.local").setPortValue(9001))))))
                .build();

        assertBuildRejected(base, resources(listener("main", 0, "main"), badRoutes, edsCluster("models"), endpoints("models", 9001)),
                "RouteConfiguration[main].validate_clusters: is not supported by Weft (see docs/envoy-compat.md)");
        assertBuildRejected(base, resources(listener("main", 0, "main", h -> h.setServerName("x")), routes("main", "models"),
                        edsCluster("models"), endpoints("models", 9001)),
                "Listener[main].filter_chains[0].filters[0].typed_config.server_name: is not supported by Weft (see docs/envoy-compat.md)");
        assertBuildRejected(base, resources(Listener.newBuilder().setName("reviews")
                                .setApiListener(ApiListener.getDefaultInstance()).build(), routes("main", "models"),
                        edsCluster("models"), endpoints("models", 9001)),
                "Listener[reviews].api_listener: is for proxyless gRPC clients; a Weft proxy serves listeners with an address and filter_chains");
        assertBuildRejected(base, resources(listener("main", 0, "main"), routes("main", "models"), edsWithLoadAssignment,
                        endpoints("models", 9001)),
                "Cluster[models].load_assignment: cannot be set on an EDS cluster (its endpoints come over EDS)");
        assertBuildRejected(base, resources(listener("main", 0, "main"), routes("main", "models"), notAds, endpoints("models", 9001)),
                "Cluster[models].eds_cluster_config.eds_config.path: is not supported by Weft (see docs/envoy-compat.md)");
        assertBuildRejected(base, resources(listener("main", 0, "main"), routes("main", "models"), edsCluster("models"), namedHost),
                "ClusterLoadAssignment[models].endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address: "
                        + "\"models.local\" is not an IP address (EDS endpoints are IP literals)");
        assertBuildRejected(base, resources(listener("main", 0, "main"), routes("main", "models"), staticCluster("xds", 9001),
                        endpoints("models", 9001)),
                "Cluster[xds].name: a static cluster \"xds\" exists; CDS cannot replace it");
    }

    @Test
    void aRouteMayNameAClusterCdsHasNotDelivered() throws Exception {
        ProxySnapshot base = BootstrapLoader.parse(DYNAMIC, "sidecar.yaml");

        XdsSnapshots.Candidate c = XdsSnapshots.build(base, new XdsResources(Map.of("main", listener("main", 0, "main")),
                Map.of("main", routes("main", "not-yet")), Map.of(), Map.of()), "v1");

        assertThat(c.complete()).as("the request gets 503 cluster_not_found until the cluster arrives").isTrue();
    }

    private static XdsResources resources(Listener l, RouteConfiguration r, Cluster c, ClusterLoadAssignment cla) {
        Map<String, Listener> listeners = new LinkedHashMap<>();
        listeners.put(l.getName(), l);
        return new XdsResources(listeners, Map.of(r.getName(), r), Map.of(c.getName(), c), Map.of(cla.getClusterName(), cla));
    }

    private static void assertBuildRejected(ProxySnapshot base, XdsResources resources, String message) {
        assertThatThrownBy(() -> XdsSnapshots.build(base, resources, "v")).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    private static void assertRejected(String yaml, String message) {
        assertThatThrownBy(() -> BootstrapLoader.parse(yaml, "sidecar.yaml")).isInstanceOf(ConfigException.class).hasMessage(message);
    }
}
