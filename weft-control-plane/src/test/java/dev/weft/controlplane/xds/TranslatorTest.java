package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.registry.SidecarRegistration;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TranslatorTest {

    private static final String MESH = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: reviews}
            spec: {ports: [{port: 9080}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: ratings}
            spec: {ports: [{port: 9090, protocol: GRPC}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: details}
            spec: {ports: [{port: 9000}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: ServiceInstance
            metadata: {name: reviews-v1, labels: {version: v1, zone: a}}
            spec: {service: reviews, address: 10.0.0.1, port: 9080}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: ServiceInstance
            metadata: {name: reviews-v2, labels: {version: v2, zone: b}}
            spec: {service: reviews, address: 10.0.0.2, port: 9080}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: ServiceInstance
            metadata: {name: ratings-1}
            spec: {service: ratings, address: 10.0.0.3, port: 9090}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: DestinationPolicy
            metadata: {name: reviews}
            spec:
              targetRef: {name: reviews}
              loadBalancer: {algorithm: RING_HASH, hash: {header: X-User}}
              connectionPool:
                maxConnections: 100
                maxPendingRequests: 50
                maxRequestsPerConnection: 1000
                idleTimeout: 5m
                connectTimeout: 250ms
              subsets:
                - {name: reviews-v1, labels: {version: v1}}
                - {name: reviews-v2, labels: {version: v2}}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: MeshConfig
            metadata: {name: mesh}
            spec:
              defaults:
                timeout: 15s
                retries: {attempts: 2, backoff: 25ms, codes: [503]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: reviews}
            spec:
              parentRefs: [{group: "", kind: Service, name: reviews}]
              rules:
                - matches: [{path: {type: PathPrefix, value: /api}}]
                  filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier:
                        set: [{name: x-route, value: api}]
                        remove: [x-debug]
                    - type: URLRewrite
                      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}
                  backendRefs:
                    - {group: weft.dev, kind: Subset, name: reviews-v1, port: 9080, weight: 90}
                    - {group: weft.dev, kind: Subset, name: reviews-v2, port: 9080, weight: 10}
                  timeouts: {request: 2s, backendRequest: 500ms}
                  retry: {attempts: 3, codes: [502]}
                - matches: [{path: {type: Exact, value: /healthz}}]
                  filters:
                    - type: RequestRedirect
                      requestRedirect: {hostname: status.example.com, statusCode: 301}
                - matches:
                    - path: {type: RegularExpression, value: "/v[0-9]+/x"}
                      headers: [{name: x-canary, value: "1"}]
                      method: POST
                  filters:
                    - type: RequestMirror
                      requestMirror:
                        backendRef: {group: weft.dev, kind: Subset, name: reviews-v2, port: 9080}
                        percent: 5
                  backendRefs: [{name: reviews, port: 9080}]
            """;

    @TempDir
    Path dataDir;

    private static HttpConnectionManager hcm(Listener listener) throws InvalidProtocolBufferException {
        return listener.hasApiListener()
                ? listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class)
                : listener.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    }

    private static VirtualHost host(Snapshot snapshot, String routeConfig, String name) {
        RouteConfiguration config = snapshot.routes().resources().get(routeConfig);
        return config.getVirtualHostsList().stream().filter(h -> h.getName().equals(name)).findFirst().orElseThrow();
    }

    private static Snapshot sidecarSnapshot(TestMesh mesh) {
        return mesh.snapshot(Nodes.sidecar("productpage-1", "productpage", 15006, 8080, 15001,
                List.of(Map.of("service", "reviews"), Map.of("service", "ratings", "port", 7000)), Map.of()));
    }

    @Test
    void aSidecarGetsItsInboundItsOutboundAndOnlyTheServicesItCalls() throws Exception {
        Snapshot snapshot = sidecarSnapshot(new TestMesh(dataDir).apply(MESH));

        assertThat(snapshot.listeners().resources().keySet())
                .containsExactlyInAnyOrder("inbound", "outbound", "outbound|ratings.default|7000");
        Listener inbound = snapshot.listeners().resources().get("inbound");
        assertThat(inbound.getAddress().getSocketAddress().getPortValue()).isEqualTo(15006);
        assertThat(hcm(inbound).getRds().getRouteConfigName()).isEqualTo("inbound");
        assertThat(hcm(inbound).getRds().getConfigSource().hasAds()).isTrue();
        assertThat(hcm(snapshot.listeners().resources().get("outbound")).getRds().getRouteConfigName())
                .isEqualTo("outbound");
        assertThat(snapshot.routes().resources().get("outbound").getVirtualHostsList())
                .extracting(VirtualHost::getName).containsExactlyInAnyOrder("reviews.default", "ratings.default");
        assertThat(host(snapshot, "outbound", "reviews.default").getDomainsList()).containsExactly(
                "reviews", "reviews.default", "reviews.default.svc", "reviews.default.svc.cluster.local");
        assertThat(snapshot.clusters().resources().keySet()).containsExactlyInAnyOrder(
                "inbound|8080", "outbound|reviews.default|9080", "outbound|reviews.default|9080|reviews-v1",
                "outbound|reviews.default|9080|reviews-v2", "outbound|ratings.default|9090");
        assertThat(snapshot.endpoints().resources().keySet()).containsExactlyInAnyOrder(
                "outbound|reviews.default|9080", "outbound|reviews.default|9080|reviews-v1",
                "outbound|reviews.default|9080|reviews-v2", "outbound|ratings.default|9090");
        Cluster inboundCluster = snapshot.clusters().resources().get("inbound|8080");
        assertThat(inboundCluster.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
        assertThat(inboundCluster.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                .getSocketAddress().getPortValue()).isEqualTo(8080);
    }

    @Test
    void routesFollowGatewayApiPrecedence() throws Exception {
        Snapshot snapshot = sidecarSnapshot(new TestMesh(dataDir).apply(MESH));

        List<Route> routes = host(snapshot, "outbound", "reviews.default").getRoutesList();

        assertThat(routes).extracting(r -> r.getMatch().getPathSpecifierCase().name())
                .containsExactly("PATH", "SAFE_REGEX", "PATH_SEPARATED_PREFIX");
        assertThat(routes.get(0).getMatch().getPath()).isEqualTo("/healthz");
        assertThat(routes.get(2).getMatch().getPathSeparatedPrefix()).isEqualTo("/api");
    }

    @Test
    void weightedSubsetsFiltersTimeoutsRetriesAndHashPolicyTranslate() throws Exception {
        Snapshot snapshot = sidecarSnapshot(new TestMesh(dataDir).apply(MESH));
        Route api = host(snapshot, "outbound", "reviews.default").getRoutes(2);
        RouteAction action = api.getRoute();

        assertThat(action.getWeightedClusters().getClustersList())
                .extracting(WeightedCluster.ClusterWeight::getName, w -> w.getWeight().getValue())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("outbound|reviews.default|9080|reviews-v1", 90),
                        org.assertj.core.groups.Tuple.tuple("outbound|reviews.default|9080|reviews-v2", 10));
        assertThat(api.getRequestHeadersToAddList()).extracting(h -> h.getHeader().getKey(),
                HeaderValueOption::getAppendAction).containsExactly(org.assertj.core.groups.Tuple.tuple("x-route",
                HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
        assertThat(api.getRequestHeadersToRemoveList()).containsExactly("x-debug");
        assertThat(action.getRegexRewrite().getPattern().getRegex()).isEqualTo("^/api/*");
        assertThat(action.getRegexRewrite().getSubstitution()).isEqualTo("/");
        assertThat(action.getTimeout()).isEqualTo(Duration.newBuilder().setSeconds(2).build());
        assertThat(action.getRetryPolicy().getPerTryTimeout()).isEqualTo(Duration.newBuilder().setNanos(500_000_000)
                .build());
        assertThat(action.getRetryPolicy().getNumRetries().getValue()).isEqualTo(3);
        assertThat(action.getRetryPolicy().getRetryOn())
                .isEqualTo("connect-failure,refused-stream,reset,retriable-status-codes");
        assertThat(action.getRetryPolicy().getRetriableStatusCodesList()).containsExactly(502);
        assertThat(action.getRetryPolicy().getRetryBackOff().getBaseInterval())
                .isEqualTo(Duration.newBuilder().setNanos(25_000_000).build());
        assertThat(action.getHashPolicyList()).singleElement()
                .satisfies(h -> assertThat(h.getHeader().getHeaderName()).isEqualTo("x-user"));
    }

    @Test
    void redirectsMirrorsAndMatchesTranslate() throws Exception {
        Snapshot snapshot = sidecarSnapshot(new TestMesh(dataDir).apply(MESH));
        List<Route> routes = host(snapshot, "outbound", "reviews.default").getRoutesList();

        RedirectAction redirect = routes.get(0).getRedirect();
        assertThat(redirect.getHostRedirect()).isEqualTo("status.example.com");
        assertThat(redirect.getResponseCode()).isEqualTo(RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY);

        Route canary = routes.get(1);
        assertThat(canary.getMatch().getSafeRegex().getRegex()).isEqualTo("/v[0-9]+/x");
        assertThat(canary.getMatch().getHeadersList()).extracting(h -> h.getName() + "=" + h.getStringMatch()
                .getExact()).containsExactly("x-canary=1", ":method=POST");
        assertThat(canary.getRoute().getCluster()).isEqualTo("outbound|reviews.default|9080");
        assertThat(canary.getRoute().getRequestMirrorPoliciesList()).singleElement().satisfies(m -> {
            assertThat(m.getCluster()).isEqualTo("outbound|reviews.default|9080|reviews-v2");
            assertThat(m.getRuntimeFraction().getDefaultValue()).isEqualTo(FractionalPercent.newBuilder()
                    .setNumerator(5).setDenominator(FractionalPercent.DenominatorType.HUNDRED).build());
        });
        // the mesh default timeout applies where the rule sets none
        assertThat(canary.getRoute().getTimeout().getSeconds()).isEqualTo(15);
    }

    @Test
    void aServiceWithoutRoutesGetsOneDefaultRouteWithTheMeshDefaults() throws Exception {
        Snapshot snapshot = sidecarSnapshot(new TestMesh(dataDir).apply(MESH));

        Route route = host(snapshot, "outbound|ratings.default|7000", "ratings.default").getRoutes(0);

        assertThat(host(snapshot, "outbound|ratings.default|7000", "ratings.default").getDomainsList())
                .containsExactly("*");
        assertThat(route.getMatch().getPrefix()).isEqualTo("/");
        assertThat(route.getRoute().getCluster()).isEqualTo("outbound|ratings.default|9090");
        assertThat(route.getRoute().getTimeout().getSeconds()).isEqualTo(15);
        assertThat(route.getRoute().getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);
        assertThat(route.getRoute().getRetryPolicy().getRetriableStatusCodesList()).containsExactly(503);
    }

    @Test
    void destinationPoliciesAndProtocolsBecomeClusterSettings() throws Exception {
        Snapshot snapshot = sidecarSnapshot(new TestMesh(dataDir).apply(MESH));

        Cluster v1 = snapshot.clusters().resources().get("outbound|reviews.default|9080|reviews-v1");
        assertThat(v1.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
        assertThat(v1.getEdsClusterConfig().getServiceName()).isEqualTo(v1.getName());
        assertThat(v1.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
        assertThat(v1.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
        assertThat(v1.getConnectTimeout()).isEqualTo(Duration.newBuilder().setNanos(250_000_000).build());
        assertThat(v1.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue()).isEqualTo(100);
        assertThat(v1.getCircuitBreakers().getThresholds(0).getMaxPendingRequests().getValue()).isEqualTo(50);
        HttpProtocolOptions options = v1.getTypedExtensionProtocolOptionsOrThrow(XdsResources.HTTP_PROTOCOL_OPTIONS)
                .unpack(HttpProtocolOptions.class);
        assertThat(options.getCommonHttpProtocolOptions().getMaxRequestsPerConnection().getValue()).isEqualTo(1000);
        assertThat(options.getCommonHttpProtocolOptions().getIdleTimeout().getSeconds()).isEqualTo(300);
        assertThat(options.getExplicitHttpConfig().hasHttpProtocolOptions()).isTrue();

        HttpProtocolOptions grpc = snapshot.clusters().resources().get("outbound|ratings.default|9090")
                .getTypedExtensionProtocolOptionsOrThrow(XdsResources.HTTP_PROTOCOL_OPTIONS)
                .unpack(HttpProtocolOptions.class);
        assertThat(grpc.getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
    }

    @Test
    void subsetEndpointsAreTheMatchingInstancesByZone() throws Exception {
        Snapshot snapshot = sidecarSnapshot(new TestMesh(dataDir).apply(MESH));

        ClusterLoadAssignment v2 = snapshot.endpoints().resources().get("outbound|reviews.default|9080|reviews-v2");
        ClusterLoadAssignment all = snapshot.endpoints().resources().get("outbound|reviews.default|9080");

        assertThat(v2.getEndpointsList()).singleElement().satisfies(locality -> {
            assertThat(locality.getLocality().getZone()).isEqualTo("b");
            assertThat(locality.getLbEndpointsList()).extracting(e -> e.getEndpoint().getAddress()
                    .getSocketAddress().getAddress()).containsExactly("10.0.0.2");
            assertThat(locality.hasLoadBalancingWeight()).isFalse();
        });
        assertThat(all.getEndpointsList()).extracting(l -> l.getLocality().getZone()).containsExactly("a", "b");
    }

    @Test
    void aSidecarsClustersAndEndpointsNameTheirServiceWorkloadAndVersionForMetrics() throws Exception {
        TestMesh mesh = new TestMesh(dataDir).apply(MESH);
        mesh.registry.sidecarStreamOpened(new SidecarRegistration("default", "reviews-s", "reviews", "10.0.0.9",
                15006, null, Map.of("version", "v3"), SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews-sa")));
        Snapshot snapshot = sidecarSnapshot(mesh);

        Cluster reviews = snapshot.clusters().resources().get("outbound|reviews.default|9080");
        assertThat(reviews.getMetadata().getFilterMetadataOrThrow("weft").getFieldsMap())
                .containsOnlyKeys("service", "namespace")
                .hasEntrySatisfying("service", v -> assertThat(v.getStringValue()).isEqualTo("reviews"))
                .hasEntrySatisfying("namespace", v -> assertThat(v.getStringValue()).isEqualTo("default"));
        Map<String, Map<String, String>> labels = new java.util.TreeMap<>();
        snapshot.endpoints().resources().get("outbound|reviews.default|9080").getEndpointsList()
                .forEach(l -> l.getLbEndpointsList().forEach(e -> {
                    Map<String, String> m = new java.util.TreeMap<>();
                    e.getMetadata().getFilterMetadataOrThrow("weft").getFieldsMap()
                            .forEach((k, v) -> m.put(k, v.getStringValue()));
                    labels.put(e.getEndpoint().getAddress().getSocketAddress().getAddress(), m);
                }));
        assertThat(labels).isEqualTo(Map.of(
                "10.0.0.1", Map.of("workload", "reviews", "version", "v1"),
                "10.0.0.2", Map.of("workload", "reviews", "version", "v2"),
                // an authenticated sidecar's workload is its service account
                "10.0.0.9", Map.of("workload", "reviews-sa", "version", "v3")));
        // ratings-1 has no version label
        assertThat(snapshot.endpoints().resources().get("outbound|ratings.default|9090").getEndpoints(0).getLbEndpoints(0)
                .getMetadata().getFilterMetadataOrThrow("weft").getFieldsMap()).containsOnlyKeys("workload");
    }

    @Test
    void aProxylessClientGetsNoMetricsMetadata() throws Exception {
        Snapshot snapshot = new TestMesh(dataDir).apply(MESH).snapshot(Nodes.proxyless("client-1"));

        assertThat(snapshot.clusters().resources().values()).allSatisfy(c -> assertThat(c.hasMetadata()).isFalse());
        assertThat(snapshot.endpoints().resources().values()).allSatisfy(a -> assertThat(a.getEndpointsList())
                .allSatisfy(l -> assertThat(l.getLbEndpointsList()).allSatisfy(e -> assertThat(e.hasMetadata()).isFalse())));
    }

    @Test
    void expiredInstancesLeaveTheEndpoints() throws Exception {
        TestMesh mesh = new TestMesh(dataDir).apply(MESH).register("""
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: reviews-api, labels: {version: v2}}
                spec: {service: reviews, address: 10.0.0.7, port: 9080, ttl: 5s}
                """);
        String v2 = "outbound|reviews.default|9080|reviews-v2";
        assertThat(sidecarSnapshot(mesh).endpoints().resources().get(v2).getEndpoints(0).getLbEndpointsCount())
                .isEqualTo(1);
        assertThat(sidecarSnapshot(mesh).endpoints().resources().get(v2).getEndpointsCount()).isEqualTo(2);

        mesh.clock.advance(java.time.Duration.ofSeconds(6));

        assertThat(sidecarSnapshot(mesh).endpoints().resources().get(v2).getEndpointsList())
                .flatExtracting(l -> l.getLbEndpointsList())
                .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
                .containsExactly("10.0.0.2");
    }

    @Test
    void aSidecarResolvesInstancesKnownByNameItselfSinceEdsEndpointsAreIpLiterals() throws Exception {
        // given: a reviews v2 instance known by a DNS name beside one known by its IP
        TestMesh mesh = new TestMesh(dataDir).apply(MESH).register("""
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: reviews-named, labels: {version: v2, zone: c}}
                spec: {service: reviews, address: reviews-2.hosts.example.com, port: 9080}
                """);
        String v2 = "outbound|reviews.default|9080|reviews-v2";
        String v1 = "outbound|reviews.default|9080|reviews-v1";

        // when
        Snapshot sidecar = sidecarSnapshot(mesh);
        Snapshot proxyless = mesh.snapshot(Nodes.proxyless("grpc-client"));

        // then: the sidecar's cluster is STRICT_DNS with its endpoints inline, and has no EDS resource
        Cluster named = sidecar.clusters().resources().get(v2);
        assertThat(named.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
        assertThat(named.hasEdsClusterConfig()).isFalse();
        assertThat(named.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
        assertThat(named.getLoadAssignment().getClusterName()).isEqualTo(v2);
        assertThat(named.getLoadAssignment().getEndpointsList()).extracting(l -> l.getLocality().getZone())
                .containsExactly("b", "c");
        assertThat(named.getLoadAssignment().getEndpointsList()).flatExtracting(l -> l.getLbEndpointsList())
                .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
                .containsExactly("10.0.0.2", "reviews-2.hosts.example.com");
        assertThat(sidecar.endpoints().resources()).doesNotContainKey(v2).containsKey(v1);
        assertThat(sidecar.clusters().resources().get(v1).getType()).isEqualTo(Cluster.DiscoveryType.EDS);
        // a proxyless client keeps EDS: grpc-java has no STRICT_DNS clusters
        assertThat(proxyless.clusters().resources().get(v2).getType()).isEqualTo(Cluster.DiscoveryType.EDS);
        assertThat(proxyless.endpoints().resources()).containsKey(v2);
    }

    @Test
    void grpcRoutesMatchMethodsAndComeFirst() throws Exception {
        Snapshot snapshot = sidecarSnapshot(new TestMesh(dataDir).apply(MESH + """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: reviews-grpc}
                spec:
                  parentRefs: [{group: "", kind: Service, name: reviews}]
                  rules:
                    - matches: [{method: {service: reviews.Reviews}}]
                      backendRefs: [{group: weft.dev, kind: Subset, name: reviews-v2, port: 9080}]
                    - matches: [{method: {service: reviews.Reviews, method: Get}}]
                      backendRefs: [{group: weft.dev, kind: Subset, name: reviews-v1, port: 9080}]
                """));

        List<Route> routes = host(snapshot, "outbound", "reviews.default").getRoutesList();

        assertThat(routes).hasSize(5);
        assertThat(routes.get(0).getMatch().getPath()).isEqualTo("/reviews.Reviews/Get");
        assertThat(routes.get(0).getMatch().hasGrpc()).isTrue();
        assertThat(routes.get(0).getRoute().getCluster()).isEqualTo("outbound|reviews.default|9080|reviews-v1");
        assertThat(routes.get(1).getMatch().getPrefix()).isEqualTo("/reviews.Reviews/");
        assertThat(routes.get(2).getMatch().getPath()).isEqualTo("/healthz");
    }

    @Test
    void aProxylessClientGetsApiListenersForEveryServiceWithItsDifferences() throws Exception {
        Snapshot snapshot = new TestMesh(dataDir).apply(MESH.replace("RING_HASH, hash: {header: X-User}", "RANDOM"))
                .snapshot(Nodes.proxyless("grpc-client"));

        assertThat(snapshot.listeners().resources().keySet()).contains("reviews", "reviews:9080",
                "reviews.default", "reviews.default.svc.cluster.local:9080", "ratings", "details.default");
        Listener reviews = snapshot.listeners().resources().get("reviews");
        assertThat(reviews.hasApiListener()).isTrue();
        assertThat(hcm(reviews).getRds().getRouteConfigName()).isEqualTo("reviews.default");
        assertThat(hcm(reviews).getHttpFilters(0).getName()).isEqualTo("envoy.filters.http.router");
        Route api = host(snapshot, "reviews.default", "reviews.default").getRoutes(2);
        assertThat(api.getMatch().getSafeRegex().getRegex()).isEqualTo("/api(/.*)?");
        assertThat(api.getRoute().hasRetryPolicy()).isFalse();
        assertThat(snapshot.clusters().resources().get("outbound|reviews.default|9080").getLbPolicy())
                .isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
        assertThat(snapshot.endpoints().resources().get("outbound|reviews.default|9080").getEndpointsList())
                .allSatisfy(l -> assertThat(l.getLoadBalancingWeight().getValue()).isEqualTo(1));
    }

    @Test
    void aSidecarCallingFiveOfFiveHundredServicesReceivesOnlyThoseFive() throws Exception {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            yaml.append("""
                    apiVersion: weft.dev/v1alpha1
                    kind: Service
                    metadata: {name: svc-%1$d}
                    spec: {ports: [{port: 8080}]}
                    ---
                    apiVersion: weft.dev/v1alpha1
                    kind: ServiceInstance
                    metadata: {name: svc-%1$d-0}
                    spec: {service: svc-%1$d, address: 10.1.%2$d.%3$d, port: 8080}
                    ---
                    """.formatted(i, i / 250, i % 250 + 1));
        }
        TestMesh mesh = new TestMesh(dataDir).apply(yaml.toString());
        List<Map<String, Object>> upstreams = List.of(Map.of("service", "svc-1"), Map.of("service", "svc-42"),
                Map.of("service", "svc-100"), Map.of("service", "svc-250"), Map.of("service", "svc-499"));

        Snapshot snapshot = mesh.snapshot(Nodes.sidecar("client-1", "client", 0, 0, 15001, upstreams, Map.of()));

        assertThat(snapshot.routes().resources().get("outbound").getVirtualHostsCount()).isEqualTo(5);
        assertThat(snapshot.clusters().resources()).hasSize(5);
        assertThat(snapshot.endpoints().resources()).hasSize(5);
        assertThat(snapshot.listeners().resources()).containsOnlyKeys("outbound");
        Snapshot everything = mesh.snapshot(Nodes.sidecar("client-2", "client", 0, 0, 15001, null, Map.of()));
        assertThat(everything.routes().resources().get("outbound").getVirtualHostsCount()).isEqualTo(500);
    }

    @Test
    void versionsChangeOnlyForTheTypesAChangeTouches() throws Exception {
        TestMesh mesh = new TestMesh(dataDir).apply(MESH);
        Snapshot before = sidecarSnapshot(mesh);

        mesh.apply("""
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: details-1}
                spec: {service: details, address: 10.0.0.9, port: 9000}
                """);
        Snapshot unrelated = sidecarSnapshot(mesh);
        mesh.apply("""
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: reviews-v1b, labels: {version: v1, zone: a}}
                spec: {service: reviews, address: 10.0.0.11, port: 9080}
                """);
        Snapshot endpointsOnly = sidecarSnapshot(mesh);

        for (var type : io.envoyproxy.controlplane.cache.Resources.RESOURCE_TYPES_IN_ORDER) {
            assertThat(unrelated.version(type)).as(type.name()).isEqualTo(before.version(type));
        }
        var endpoint = io.envoyproxy.controlplane.cache.Resources.ResourceType.ENDPOINT;
        assertThat(endpointsOnly.version(endpoint)).isNotEqualTo(before.version(endpoint));
        for (var type : List.of(io.envoyproxy.controlplane.cache.Resources.ResourceType.CLUSTER,
                io.envoyproxy.controlplane.cache.Resources.ResourceType.LISTENER,
                io.envoyproxy.controlplane.cache.Resources.ResourceType.ROUTE)) {
            assertThat(endpointsOnly.version(type)).as(type.name()).isEqualTo(before.version(type));
        }
    }
}
