package dev.weft.cli.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.api.policy.MeshConfigSpec;
import dev.weft.api.policy.MtlsMode;
import dev.weft.api.registry.ServiceProtocol;
import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.registry.SidecarRegistration;
import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.config.EndpointSpec;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.config.XdsSnapshots;
import dev.weft.proxy.route.RouteEntry;
import dev.weft.proxy.route.RouteTable;
import dev.weft.proxy.sidecar.SidecarBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the control plane's translator emits for sidecars, built by the proxy exactly as its ADS client builds a
 * response: every feature of the Gateway API and Weft resources (all of weft-api's examples, the demo mesh, and a
 * route for what those leave out) must be accepted, and the compiled snapshot must do what the resource says.
 */
class TranslatorProxyCompatTest {
    private static final Path EXAMPLES = Path.of("../weft-api/src/test/resources/examples");

    /** What full-route.yaml, grpc.yaml and canary.yaml refer to, declared so that they apply. */
    private static final String SUPPORT = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: llm}
            spec: {ports: [{port: 8000}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: llm-shadow}
            spec: {ports: [{port: 8000}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: embed-shadow}
            spec: {ports: [{port: 8001}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: embedder, namespace: ml}
            spec: {ports: [{port: 8001}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: embedder-v2, namespace: ml}
            spec: {ports: [{port: 8001}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: DestinationPolicy
            metadata: {name: llm}
            spec:
              targetRef: {name: llm}
              loadBalancer: {algorithm: RING_HASH, hash: {cookie: session}}
              connectionPool: {maxConnections: 10, http2: true}
              subsets: [{name: llm-v2, labels: {version: v2}}]
            ---
            apiVersion: weft.dev/v1alpha1
            kind: ServiceInstance
            metadata: {name: llm-1, labels: {version: v1, zone: a}}
            spec: {service: llm, address: 10.1.0.1, port: 8000}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: ServiceInstance
            metadata: {name: llm-2, labels: {version: v2, zone: b}}
            spec: {service: llm, address: 10.1.0.2, port: 8000}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: DestinationPolicy
            metadata: {name: embedder-v2, namespace: ml}
            spec:
              targetRef: {name: embedder-v2}
              loadBalancer: {algorithm: RING_HASH, hash: {sourceIP: true}}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: ServiceInstance
            metadata: {name: embedder-1, namespace: ml}
            spec: {service: embedder-v2, address: 10.2.0.1, port: 8001}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: greeter}
            spec: {ports: [{port: 50051, protocol: GRPC}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: greeter-v1}
            spec: {ports: [{port: 50051, protocol: GRPC}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: greeter-v2}
            spec: {ports: [{port: 50051, protocol: GRPC}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: greeter-shadow}
            spec: {ports: [{port: 50051, protocol: GRPC}]}
            """;

    /** What the examples leave out: path rewrites to "/" and whole paths, per-backend response headers, no backend. */
    private static final String EDGE = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: details}
            spec: {ports: [{name: a, port: 9000}, {name: b, port: 9001}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: DestinationPolicy
            metadata: {name: details}
            spec:
              targetRef: {name: details}
              loadBalancer: {algorithm: RANDOM}
              connectionPool: {maxRequestsPerConnection: 100, idleTimeout: 30s}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: ServiceInstance
            metadata: {name: details-1}
            spec: {service: details, address: 10.3.0.1, port: 9000}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: details}
            spec:
              parentRefs: [{group: "", kind: Service, name: details}]
              rules:
                - matches: [{path: {type: PathPrefix, value: /api/}}]
                  filters:
                    - type: URLRewrite
                      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}
                  backendRefs:
                    - name: details
                      port: 9000
                      weight: 1
                      filters:
                        - type: ResponseHeaderModifier
                          responseHeaderModifier:
                            set: [{name: x-served-by, value: port-9000}]
                            remove: [x-internal]
                    - name: details
                      port: 9001
                      weight: 1
                  timeouts: {backendRequest: 2s}
                - matches: [{path: {type: Exact, value: /old}}]
                  filters:
                    - type: URLRewrite
                      urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /new}}
                  backendRefs: [{name: details, port: 9000}]
                - matches: [{path: {type: PathPrefix, value: /drained}}]
                  backendRefs: [{name: details, port: 9000, weight: 0}]
            """;

    @TempDir
    Path dir;

    private TranslatedMesh mesh;

    @BeforeEach
    void mesh() throws Exception {
        mesh = new TranslatedMesh(dir);
        // canary.yaml's backends are the two versions the reviews DestinationPolicy declares as subsets
        String canary = example("canary.yaml")
                .replace("        - name: reviews-v1\n", "        - group: weft.dev\n          kind: Subset\n"
                        + "          name: reviews-v1\n")
                .replace("        - name: reviews-v2\n", "        - group: weft.dev\n          kind: Subset\n"
                        + "          name: reviews-v2\n");
        // registry.yaml's host-named instance moves into the zone of policy.yaml's reviews-v2 subset
        String registryYaml = example("registry.yaml").replace("zone: eu-west-1b", "zone: eu-west-1a");
        for (String yaml : List.of(registryYaml, example("policy.yaml"), canary, SUPPORT,
                example("full-route.yaml"), example("grpc.yaml"), Files.readString(Path.of("../examples/mesh/chat.yaml")),
                EDGE)) {
            mesh.apply(yaml);
        }
        // instances that registered themselves through their sidecar's stream
        mesh.registry.sidecarStreamOpened(new SidecarRegistration("default", "greeter-v2-1", "greeter-v2", "127.0.0.1", 15001,
                ServiceProtocol.GRPC, Map.of("version", "v1", "zone", "a"), null));
        mesh.registry.sidecarStreamOpened(new SidecarRegistration("default", "chat-v1", "chat", "127.0.0.1", 15002,
                null, Map.of("version", "v1"), null));
        mesh.registry.sidecarStreamOpened(new SidecarRegistration("default", "chat-v2", "chat", "127.0.0.1", 15003,
                null, Map.of("version", "v2"), null));
    }

    @Test
    void everyServiceOfTheMeshIsAcceptedByASidecarThatMayCallThemAll() throws Exception {
        // given: a sidecar of reviews with an inbound listener and an outbound one, calling every service
        SidecarBootstrap sidecar = sidecar("bookinfo", "reviews", 15080, 9080, null, 15000, null);

        // when
        ProxySnapshot proxy = accept(sidecar);

        // then: inbound forwards to the app with no route timeout, the caller's sidecar enforces it
        RouteEntry inbound = route(proxy, "inbound", "anything:15080", HttpMethod.GET, "/x");
        assertThat(inbound.pickBackend().cluster()).isEqualTo("inbound|9080");
        assertThat(inbound.timeoutMillis()).isZero();
        assertThat(proxy.clusters().get("inbound|9080").protocol()).isEqualTo(ClusterSpec.UpstreamProtocol.HTTP1);

        // canary.yaml: 90/10 over the subsets, MeshConfig's timeout and retries, the policy's hash on the header
        RouteEntry canary = route(proxy, "outbound", "reviews:9080", HttpMethod.GET, "/reviews/1");
        Map<String, Integer> picks = picks(canary, 10_000);
        assertThat(picks.keySet()).containsExactlyInAnyOrder("outbound|reviews.bookinfo|9080|reviews-v1",
                "outbound|reviews.bookinfo|9080|reviews-v2");
        assertThat(picks.get("outbound|reviews.bookinfo|9080|reviews-v2")).isBetween(1000 - 150, 1000 + 150);
        assertThat(canary.timeoutMillis()).isEqualTo(15_000);
        assertThat(canary.retryPolicy().numRetries()).isEqualTo(2);
        assertThat(canary.retryPolicy().retriableStatus(503)).isTrue();
        assertThat(canary.retryPolicy().retriableStatus(502)).isFalse();
        assertThat(canary.retryPolicy().baseIntervalMillis()).isEqualTo(25);
        HttpRequest withUser = request(HttpMethod.GET, "reviews", "/");
        withUser.headers().set("x-user", "alice");
        assertThat(canary.hash(withUser, null)).isPresent();

        // policy.yaml: the subset clusters' connection pool, circuit breakers and h2
        ClusterSpec v2 = proxy.clusters().get("outbound|reviews.bookinfo|9080|reviews-v2");
        assertThat(v2.connectTimeoutMillis()).isEqualTo(250);
        assertThat(v2.idleTimeoutMillis()).isEqualTo(300_000);
        assertThat(v2.maxRequestsPerConnection()).isEqualTo(1000);
        assertThat(v2.protocol()).isEqualTo(ClusterSpec.UpstreamProtocol.HTTP2);
        assertThat(v2.proto().getCircuitBreakers().getThresholds(0).getMaxConnections().getValue()).isEqualTo(100);
        assertThat(v2.proto().getCircuitBreakers().getThresholds(0).getMaxPendingRequests().getValue()).isEqualTo(50);
        // registry.yaml: the subset's one instance has a host name; reviews-v2-1 has no zone label
        assertThat(v2.endpoints()).extracting(e -> e.host() + ":" + e.port())
                .containsExactly("reviews-v2-0.hosts.example.com:9080");
        assertThat(proxy.clusters().get("outbound|reviews.bookinfo|9080|reviews-v1").endpoints())
                .extracting(EndpointSpec::host).containsExactly("10.0.0.11");

        // policy.yaml's MeshConfig telemetry: every listener traces 10 % to the Zipkin collector's cluster
        assertThat(proxy.listeners()).allSatisfy(l -> assertThat(l.chains()).allSatisfy(c -> {
            assertThat(c.http().tracing().samplingPercent()).isEqualTo(10);
            assertThat(c.http().tracing().exporter().path()).isEqualTo("/api/v2/spans");
            assertThat(proxy.clusters()).containsKey(c.http().tracing().exporter().cluster());
        }));
    }

    @Test
    void fullRouteDoesWhatItSays() throws Exception {
        // given
        ProxySnapshot proxy = accept(sidecar("default", "web", 0, 0, null, 15000, null));
        HttpRequest chat = request(HttpMethod.POST, "llm.default.svc.cluster.local", "/v1/chat/completions?stream=true");
        chat.headers().set("x-model", "llama-3-70b").set("x-tenant", "team-ml").set("x-debug", "1");

        // when
        RouteEntry route = table(proxy, "outbound").match(chat);

        // then: weights 3 (the llm-v2 subset) to 1 (llm, whose backend filter sets x-backend)
        assertThat(route).as("chat rule").isNotNull();
        Map<String, Integer> picks = picks(route, 8_000);
        assertThat(picks.get("outbound|llm.default|8000|llm-v2")).isBetween(6000 - 250, 6000 + 250);
        assertThat(picks.get("outbound|llm.default|8000")).isBetween(2000 - 250, 2000 + 250);
        assertThat(route.timeoutMillis()).isEqualTo(120_000);
        assertThat(route.retryPolicy().perTryTimeoutMillis()).isEqualTo(30_000);
        assertThat(route.retryPolicy().numRetries()).isEqualTo(2);
        assertThat(route.retryPolicy().retriableStatus(502)).isTrue();
        assertThat(route.retryPolicy().baseIntervalMillis()).isEqualTo(100);
        assertThat(route.mirrorPolicies()).singleElement()
                .satisfies(m -> assertThat(m.cluster()).isEqualTo("outbound|llm-shadow.default|8000"));
        HttpRequest withSession = copy(chat);
        withSession.headers().set(HttpHeaderNames.COOKIE, "session=abc");
        assertThat(route.hash(withSession, null)).as("the llm policy hashes on the session cookie").isPresent();
        assertThat(proxy.clusters().get("outbound|llm.default|8000").proto().getCircuitBreakers()
                .getThresholds(0).getMaxConnections().getValue()).isEqualTo(10);

        // the rule's request and response header modifiers, host and prefix rewrite
        RouteEntry.Backend stable = backend(route, "outbound|llm.default|8000");
        RouteEntry.Backend canary = backend(route, "outbound|llm.default|8000|llm-v2");
        HttpRequest toStable = copy(chat);
        route.rewriteRequest(toStable, stable);
        assertThat(toStable.headers().get("x-route")).isEqualTo("chat");
        assertThat(toStable.headers().get("x-trace")).isEqualTo("on");
        assertThat(toStable.headers().contains("x-debug")).isFalse();
        assertThat(toStable.headers().get(HttpHeaderNames.HOST)).isEqualTo("llm-internal");
        assertThat(toStable.uri()).isEqualTo("/chat/completions?stream=true");
        assertThat(toStable.headers().get("x-backend")).as("the llm backend's own filter").isEqualTo("stable");
        HttpRequest toCanary = copy(chat);
        route.rewriteRequest(toCanary, canary);
        assertThat(toCanary.headers().contains("x-backend")).as("only the llm backend's request").isFalse();
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set("server", "uvicorn");
        route.rewriteResponse(response, canary);
        assertThat(response.headers().contains("server")).isFalse();

        // /healthz redirects
        RouteEntry health = route(proxy, "outbound", "llm", HttpMethod.GET, "/healthz");
        assertThat(health.kind()).isEqualTo(RouteEntry.Kind.REDIRECT);
        FullHttpResponse redirect = health.redirectResponse(request(HttpMethod.GET, "llm", "/healthz"), false);
        assertThat(redirect.status().code()).isEqualTo(301);
        assertThat(redirect.headers().get(HttpHeaderNames.LOCATION)).isEqualTo("https://status.example.com:8443/status");
        redirect.release();

        // the embeddings rule: all to embedder-v2 (embedder has weight 0), mirrored one in a thousand
        RouteEntry embed = route(proxy, "outbound", "llm", HttpMethod.GET, "/v2/embeddings");
        assertThat(picks(embed, 1000).keySet()).containsExactly("outbound|embedder-v2.ml|8001");
        assertThat(embed.mirrorPolicies()).singleElement()
                .satisfies(m -> assertThat(m.cluster()).isEqualTo("outbound|embed-shadow.default|8001"));
        assertThat(proxy.clusters().get("outbound|embedder-v2.ml|8001").endpoints()).extracting(EndpointSpec::host)
                .containsExactly("10.2.0.1");
        assertThat(embed.hash(request(HttpMethod.GET, "llm", "/v2/embeddings"),
                new InetSocketAddress("10.9.0.1", 40000))).as("embedder-v2 hashes on the source IP").isPresent();

        // with routes attached, an unmatched request has no route
        assertThat(table(proxy, "outbound").match(request(HttpMethod.GET, "llm", "/other"))).isNull();
    }

    @Test
    void edgeRouteRewritesPathsFiltersOneBackendAndAnswersRulesWithoutBackends() throws Exception {
        // given
        ProxySnapshot proxy = accept(sidecar("default", "web", 0, 0, null, 15000, null));

        // when
        RouteEntry api = route(proxy, "outbound", "details", HttpMethod.GET, "/api/items?x=1");

        // then: "/" replaces "/api", the per-try timeout with MeshConfig's retries, x-served-by only from port 9000
        HttpRequest request = request(HttpMethod.GET, "details", "/api/items?x=1");
        RouteEntry.Backend port9000 = backend(api, "outbound|details.default|9000");
        RouteEntry.Backend port9001 = backend(api, "outbound|details.default|9001");
        api.rewriteRequest(request, port9000);
        assertThat(request.uri()).isEqualTo("/items?x=1");
        assertThat(api.retryPolicy().perTryTimeoutMillis()).isEqualTo(2000);
        assertThat(api.retryPolicy().numRetries()).isEqualTo(2);
        HttpResponse from9000 = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        from9000.headers().set("x-internal", "1");
        api.rewriteResponse(from9000, port9000);
        assertThat(from9000.headers().get("x-served-by")).isEqualTo("port-9000");
        assertThat(from9000.headers().contains("x-internal")).isFalse();
        HttpResponse from9001 = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        from9001.headers().set("x-internal", "1");
        api.rewriteResponse(from9001, port9001);
        assertThat(from9001.headers().contains("x-served-by")).isFalse();
        assertThat(from9001.headers().contains("x-internal")).isTrue();

        HttpRequest old = request(HttpMethod.GET, "details", "/old");
        RouteEntry oldRoute = table(proxy, "outbound").match(old);
        oldRoute.rewriteRequest(old, oldRoute.pickBackend());
        assertThat(old.uri()).isEqualTo("/new");

        ClusterSpec details = proxy.clusters().get("outbound|details.default|9000");
        assertThat(details.proto().getLbPolicy().name()).isEqualTo("RANDOM");
        assertThat(details.maxRequestsPerConnection()).isEqualTo(100);
        assertThat(details.idleTimeoutMillis()).isEqualTo(30_000);
        assertThat(details.protocol()).isEqualTo(ClusterSpec.UpstreamProtocol.HTTP1);
        assertThat(details.endpoints()).extracting(EndpointSpec::host).containsExactly("10.3.0.1");

        RouteEntry drained = route(proxy, "outbound", "details", HttpMethod.GET, "/drained/x");
        assertThat(drained.kind()).isEqualTo(RouteEntry.Kind.DIRECT_RESPONSE);
        FullHttpResponse answer = drained.directResponse(ByteBufAllocator.DEFAULT);
        assertThat(answer.status().code()).isEqualTo(500);
        answer.release();
    }

    @Test
    void grpcSidecarWithFixedPortUpstreamsIsAccepted() throws Exception {
        // given: greeter's sidecar (app protocol GRPC) calling llm and reviews on fixed local ports, greeter by
        // its outbound listener, and a service the control plane does not know yet
        List<SidecarBootstrap.Upstream> upstreams = List.of(SidecarBootstrap.Upstream.parse("llm=19001"),
                SidecarBootstrap.Upstream.parse("reviews.bookinfo=19002"), SidecarBootstrap.Upstream.parse("greeter"),
                SidecarBootstrap.Upstream.parse("ghost=19003"));

        // when
        ProxySnapshot proxy = accept(sidecar("default", "greeter", 15001, 50051, "GRPC", 15000, upstreams));

        // then: h2 to the app, and only the declared upstreams' clusters
        assertThat(proxy.clusters().get("inbound|50051").protocol()).isEqualTo(ClusterSpec.UpstreamProtocol.HTTP2);
        assertThat(proxy.clusters().keySet()).noneMatch(c -> c.contains("details") || c.contains("chat"));
        assertThat(route(proxy, "outbound|llm.default|19001", "127.0.0.1:19001", HttpMethod.GET, "/v2/embeddings")
                .pickBackend().cluster()).isEqualTo("outbound|embedder-v2.ml|8001");
        assertThat(picks(route(proxy, "outbound|reviews.bookinfo|19002", "127.0.0.1:19002", HttpMethod.GET, "/"),
                100).keySet()).allMatch(c -> c.startsWith("outbound|reviews.bookinfo|9080|"));
        RouteEntry ghost = route(proxy, "outbound|ghost.default|19003", "127.0.0.1:19003", HttpMethod.GET, "/");
        assertThat(ghost.kind()).isEqualTo(RouteEntry.Kind.DIRECT_RESPONSE);

        // grpc.yaml: SayHello with x-canary to greeter-v2 (mirrored), other Greeter methods split 50/50
        HttpRequest sayHello = request(HttpMethod.POST, "greeter", "/helloworld.Greeter/SayHello");
        sayHello.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc").set("x-canary", "1");
        RouteEntry hello = table(proxy, "outbound").match(sayHello);
        assertThat(hello.pickBackend().cluster()).isEqualTo("outbound|greeter-v2.default|50051");
        assertThat(hello.mirrorPolicies()).singleElement()
                .satisfies(m -> assertThat(m.cluster()).isEqualTo("outbound|greeter-shadow.default|50051"));
        HttpRequest other = request(HttpMethod.POST, "greeter", "/helloworld.Greeter/SayGoodbye");
        other.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
        assertThat(picks(table(proxy, "outbound").match(other), 1000).keySet()).containsExactlyInAnyOrder(
                "outbound|greeter-v1.default|50051", "outbound|greeter-v2.default|50051");
        assertThat(proxy.clusters().get("outbound|greeter-v2.default|50051").protocol())
                .isEqualTo(ClusterSpec.UpstreamProtocol.HTTP2);
        // the sidecar-registered greeter-v2 instance is reached at its inbound listener
        assertThat(proxy.clusters().get("outbound|greeter-v2.default|50051").endpoints())
                .extracting(e -> e.host() + ":" + e.port()).containsExactly("127.0.0.1:15001");
    }

    @Test
    void demoSidecarsAreAccepted() throws Exception {
        // given: the demo's chat server sidecar and its client, as CanaryRolloutTest runs them
        ProxySnapshot server = accept(sidecar("default", "chat", 15002, 8000, null, 0, List.of()));
        ProxySnapshot client = accept(sidecar("default", "client", 0, 0, null, 15000,
                List.of(SidecarBootstrap.Upstream.parse("chat"))));

        // then
        assertThat(server.listeners()).extracting(ListenerSpec::name).containsExactly("inbound");
        RouteEntry chat = route(client, "outbound", "chat", HttpMethod.POST, "/v1/chat/completions");
        assertThat(picks(chat, 10_000).get("outbound|chat.default|8000|chat-v2")).isBetween(1000 - 150, 1000 + 150);
        assertThat(chat.timeoutMillis()).isEqualTo(30_000);
    }

    @ParameterizedTest
    @EnumSource(MtlsMode.class)
    void authenticatedSidecarsAreAcceptedInEveryMtlsModeWithTheSecurityExamples(MtlsMode mode) throws Exception {
        // given: the chat Service in this mode, security.yaml's authorization policies, and sidecars whose xDS
        // streams presented SVIDs of the mesh's trust domain
        mesh.apply(example("security.yaml") + "\n---\n"
                + "apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: chat, namespace: default}\n"
                + "spec: {ports: [{name: http, port: 8000}], mtls: {mode: " + mode + "}}\n");
        String trustDomain = mesh.store.snapshot().ofType(MeshConfigSpec.class).get(0).spec().trustDomain();
        TrustBundle bundle = CertificateAuthority.builder(dir.resolve("ca"), trustDomain).open().bundle();

        // when
        XdsSnapshots.Candidate server = mesh.candidate(sidecar("default", "chat", 15002, 8000, null, 0, List.of()),
                new SpiffeId(trustDomain, "default", "chat"), bundle);
        XdsSnapshots.Candidate client = mesh.candidate(sidecar("default", "client", 0, 0, null, 15000,
                List.of(SidecarBootstrap.Upstream.parse("chat"))), new SpiffeId(trustDomain, "default", "client"), bundle);

        // then: only the agent's local certificate is not in the resources (none is used with DISABLE);
        // the inbound chains follow the mode
        assertThat(server.missingSecrets()).isEqualTo(mode == MtlsMode.DISABLE ? Set.of() : Set.of("default"));
        assertThat(server.missingRoutes()).isEmpty();
        ListenerSpec inbound = server.snapshot().listeners().stream().filter(l -> l.name().equals("inbound"))
                .findFirst().orElseThrow();
        assertThat(inbound.chains()).extracting(c -> c.tls() != null).containsExactlyElementsOf(switch (mode) {
            case STRICT -> List.of(true);
            case PERMISSIVE -> List.of(true, false);
            case DISABLE -> List.of(false);
        });
        assertThat(inbound.tlsInspector()).isEqualTo(mode == MtlsMode.PERMISSIVE);
        // and the caller's clusters to chat choose mTLS for sidecar endpoints unless chat disables it
        assertThat(client.missingSecrets()).isEqualTo(mode == MtlsMode.DISABLE ? Set.of() : Set.of("default"));
        assertThat(client.snapshot().clusters().get("outbound|chat.default|8000|chat-v2").transportSocketMatches())
                .hasSize(mode == MtlsMode.DISABLE ? 0 : 2);
    }

    // ---- helpers

    private static String example(String name) throws Exception {
        return Files.readString(EXAMPLES.resolve(name));
    }

    private static SidecarBootstrap sidecar(String namespace, String service, int inboundPort, int appPort,
                                            String appProtocol, int outboundPort,
                                            List<SidecarBootstrap.Upstream> upstreams) {
        return new SidecarBootstrap("127.0.0.1", 18000, namespace, service, "127.0.0.1", inboundPort, appPort,
                appProtocol, outboundPort, upstreams, Map.of("zone", "a"), null, null, "127.0.0.1", 0).validate();
    }

    /** The translator's snapshot for the sidecar's node, built as the proxy's ADS client builds a response. */
    private ProxySnapshot accept(SidecarBootstrap sidecar) throws Exception {
        XdsSnapshots.Candidate candidate = mesh.candidate(sidecar);
        assertThat(candidate.complete()).as("nothing named is missing").isTrue();
        return candidate.snapshot();
    }

    private static RouteTable table(ProxySnapshot proxy, String listener) {
        return proxy.listeners().stream().filter(l -> l.name().equals(listener)).findFirst()
                .orElseThrow(() -> new AssertionError("no listener " + listener)).http().routes();
    }

    private static RouteEntry route(ProxySnapshot proxy, String listener, String host, HttpMethod method, String uri) {
        RouteEntry route = table(proxy, listener).match(request(method, host, uri));
        assertThat(route).as("%s %s%s on %s", method, host, uri, listener).isNotNull();
        return route;
    }

    private static HttpRequest request(HttpMethod method, String host, String uri) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        request.headers().set(HttpHeaderNames.HOST, host);
        return request;
    }

    private static HttpRequest copy(HttpRequest request) {
        return new DefaultHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                request.headers().copy());
    }

    private static Map<String, Integer> picks(RouteEntry route, int n) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(route.pickBackend().cluster(), 1, Integer::sum);
        }
        return counts;
    }

    private static RouteEntry.Backend backend(RouteEntry route, String cluster) {
        for (int i = 0; i < 10_000; i++) {
            RouteEntry.Backend backend = route.pickBackend();
            if (backend.cluster().equals(cluster)) {
                return backend;
            }
        }
        throw new AssertionError(cluster + " is never picked by " + route.name());
    }
}
