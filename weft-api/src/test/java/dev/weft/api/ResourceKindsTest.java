package dev.weft.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.api.gateway.BackendObjectRef;
import dev.weft.api.gateway.Fraction;
import dev.weft.api.gateway.GrpcMethodMatch;
import dev.weft.api.gateway.GrpcRouteSpec;
import dev.weft.api.gateway.HeaderMatch;
import dev.weft.api.gateway.HttpBackendRef;
import dev.weft.api.gateway.HttpHeader;
import dev.weft.api.gateway.HttpMethod;
import dev.weft.api.gateway.HttpRouteMatch;
import dev.weft.api.gateway.HttpRouteRetry;
import dev.weft.api.gateway.HttpRouteRule;
import dev.weft.api.gateway.HttpRouteSpec;
import dev.weft.api.gateway.HttpRouteTimeouts;
import dev.weft.api.gateway.MatchType;
import dev.weft.api.gateway.ParentRef;
import dev.weft.api.gateway.PathMatch;
import dev.weft.api.gateway.PathMatchType;
import dev.weft.api.gateway.PathModifier;
import dev.weft.api.gateway.PathModifierType;
import dev.weft.api.gateway.QueryParamMatch;
import dev.weft.api.gateway.RequestHeaderModifier;
import dev.weft.api.gateway.RequestMirror;
import dev.weft.api.gateway.RequestRedirect;
import dev.weft.api.gateway.ResponseHeaderModifier;
import dev.weft.api.gateway.UrlRewrite;
import dev.weft.api.policy.ConnectionPool;
import dev.weft.api.policy.DestinationPolicySpec;
import dev.weft.api.policy.HashPolicy;
import dev.weft.api.policy.LoadBalancer;
import dev.weft.api.policy.LoadBalancerAlgorithm;
import dev.weft.api.policy.AuthorizationDefault;
import dev.weft.api.policy.AccessLog;
import dev.weft.api.policy.AccessLogField;
import dev.weft.api.policy.CollectorEndpoint;
import dev.weft.api.policy.MeshConfigSpec;
import dev.weft.api.policy.Telemetry;
import dev.weft.api.policy.Tracing;
import dev.weft.api.policy.TracingProvider;
import dev.weft.api.policy.MtlsMode;
import dev.weft.api.policy.MeshDefaults;
import dev.weft.api.policy.PolicyTargetRef;
import dev.weft.api.policy.Subset;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.api.registry.ServicePort;
import dev.weft.api.registry.ServiceProtocol;
import dev.weft.api.registry.ServiceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each kind read from realistic YAML (src/test/resources/examples) into the records, defaults applied. */
class ResourceKindsTest {

    private static final Path EXAMPLES = Path.of("src/test/resources/examples");

    private static ResourceSet example(String file) throws ResourceException {
        return new ResourceLoader().load(EXAMPLES.resolve(file));
    }

    @Test
    void canaryRouteSplitsNinetyTenAndGetsTheDefaultMatch() throws ResourceException {
        ResourceSet set = example("canary.yaml");

        Resource<HttpRouteSpec> route = set.ofType(HttpRouteSpec.class).get(0);
        assertThat(route.key()).isEqualTo(new ResourceKey(Kind.HTTP_ROUTE, "bookinfo", "reviews"));
        assertThat(route.apiVersion()).isEqualTo("gateway.networking.k8s.io/v1");
        assertThat(route.metadata().labels()).isEqualTo(Map.of("app", "reviews"));
        assertThat(route.spec().parentRefs()).containsExactly(
                new ParentRef("", "Service", null, "reviews", null, 9080));
        assertThat(route.spec().rules()).containsExactly(new HttpRouteRule(null,
                List.of(new HttpRouteMatch(PathMatch.DEFAULT, List.of(), List.of(), null)), List.of(),
                List.of(new HttpBackendRef("", "Service", "reviews-v1", null, 9080, 90, List.of()),
                        new HttpBackendRef("", "Service", "reviews-v2", null, 9080, 10, List.of())),
                null, null));
    }

    @Test
    void fullRouteReadsEveryFilterMatchTimeoutAndRetry() throws ResourceException {
        HttpRouteSpec spec = example("full-route.yaml").ofType(HttpRouteSpec.class).get(0).spec();

        assertThat(spec.parentRefs()).containsExactly(new ParentRef("", "Service", null, "llm", null, null));
        assertThat(spec.hostnames()).containsExactly("llm.example.com", "*.llm.example.com");
        HttpRouteRule chat = spec.rules().get(0);
        assertThat(chat.name()).isEqualTo("chat");
        assertThat(chat.matches()).containsExactly(new HttpRouteMatch(
                new PathMatch(PathMatchType.PATH_PREFIX, "/v1/chat"),
                List.of(new HeaderMatch(MatchType.EXACT, "x-model", "llama-3-70b"),
                        new HeaderMatch(MatchType.REGULAR_EXPRESSION, "x-tenant", "team-[a-z]+")),
                List.of(new QueryParamMatch(MatchType.EXACT, "stream", "true")), HttpMethod.POST));
        assertThat(chat.filters()).containsExactly(
                new RequestHeaderModifier(List.of(new HttpHeader("x-route", "chat")),
                        List.of(new HttpHeader("x-trace", "on")), List.of("x-debug")),
                new ResponseHeaderModifier(List.of(), List.of(), List.of("server")),
                new RequestMirror(new BackendObjectRef("", "Service", "llm-shadow", null, 8000), Fraction.percent(5)),
                new UrlRewrite("llm-internal", new PathModifier(PathModifierType.REPLACE_PREFIX_MATCH, "/chat")));
        assertThat(chat.backendRefs()).containsExactly(
                new HttpBackendRef("weft.dev", "Subset", "llm-v2", null, 8000, 3, List.of()),
                new HttpBackendRef("", "Service", "llm", null, 8000, 1, List.of(new RequestHeaderModifier(
                        List.of(new HttpHeader("x-backend", "stable")), List.of(), List.of()))));
        assertThat(chat.backendRefs().get(0).objectRef().isSubset()).isTrue();
        assertThat(chat.timeouts()).isEqualTo(new HttpRouteTimeouts(Duration.ofMinutes(2), Duration.ofSeconds(30)));
        assertThat(chat.retry()).isEqualTo(new HttpRouteRetry(List.of(502, 503), 2, Duration.ofMillis(100)));

        HttpRouteRule health = spec.rules().get(1);
        assertThat(health.filters()).containsExactly(new RequestRedirect("https", "status.example.com",
                new PathModifier(PathModifierType.REPLACE_FULL_PATH, "/status"), 8443, 301));

        HttpRouteRule embeddings = spec.rules().get(2);
        assertThat(embeddings.matches()).extracting(HttpRouteMatch::path).containsExactly(
                new PathMatch(PathMatchType.REGULAR_EXPRESSION, "/v[0-9]+/embeddings"), PathMatch.DEFAULT);
        assertThat(embeddings.backendRefs()).extracting(HttpBackendRef::namespace, HttpBackendRef::weight)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ml", 0), org.assertj.core.groups.Tuple.tuple("ml", 1));
        assertThat(embeddings.filters()).containsExactly(new RequestMirror(
                new BackendObjectRef("", "Service", "embed-shadow", null, 8001), new Fraction(1, 1000)));
    }

    @Test
    void routeDefaultsFollowTheGatewayApi() {
        String yaml = Loads.httpRoute(Loads.PARENT + """
                rules:
                - matches:
                  - path: {value: /api}
                    headers: [{name: x-a, value: b}]
                  - method: GET
                  filters:
                  - type: RequestRedirect
                    requestRedirect: {hostname: example.com}
                  - type: RequestMirror
                    requestMirror: {backendRef: {name: shadow, port: 80}}
                """);

        HttpRouteSpec spec = Loads.load(yaml).ofType(HttpRouteSpec.class).get(0).spec();

        HttpRouteRule rule = spec.rules().get(0);
        assertThat(rule.matches()).containsExactly(
                new HttpRouteMatch(new PathMatch(PathMatchType.PATH_PREFIX, "/api"),
                        List.of(new HeaderMatch(MatchType.EXACT, "x-a", "b")), List.of(), null),
                new HttpRouteMatch(PathMatch.DEFAULT, List.of(), List.of(), HttpMethod.GET));
        assertThat(rule.filters()).containsExactly(
                new RequestRedirect(null, "example.com", null, null, 302),
                new RequestMirror(new BackendObjectRef("", "Service", "shadow", null, 80), Fraction.ALL));
    }

    @Test
    void routeWithoutRulesGetsOneRuleMatchingEverything() {
        HttpRouteSpec spec = Loads.load(Loads.httpRoute(Loads.PARENT)).ofType(HttpRouteSpec.class).get(0).spec();

        assertThat(spec.rules()).containsExactly(new HttpRouteRule(null,
                List.of(new HttpRouteMatch(PathMatch.DEFAULT, List.of(), List.of(), null)), List.of(), List.of(),
                null, null));
    }

    @Test
    void grpcRouteReadsMethodMatchesFiltersAndWeights() throws ResourceException {
        Resource<GrpcRouteSpec> route = example("grpc.yaml").ofType(GrpcRouteSpec.class).get(0);

        assertThat(route.key()).isEqualTo(new ResourceKey(Kind.GRPC_ROUTE, "default", "greeter"));
        var first = route.spec().rules().get(0);
        assertThat(first.matches().get(0).method())
                .isEqualTo(new GrpcMethodMatch(MatchType.EXACT, "helloworld.Greeter", "SayHello"));
        assertThat(first.matches().get(0).headers())
                .containsExactly(new HeaderMatch(MatchType.EXACT, "x-canary", "1"));
        assertThat(first.filters()).containsExactly(
                new RequestHeaderModifier(List.of(), List.of(new HttpHeader("x-via", "weft")), List.of()),
                new RequestMirror(new BackendObjectRef("", "Service", "greeter-shadow", null, 50051), Fraction.ALL));
        assertThat(first.backendRefs()).singleElement().satisfies(b -> assertThat(b.weight()).isEqualTo(1));
        var second = route.spec().rules().get(1);
        assertThat(second.matches().get(0).method())
                .isEqualTo(new GrpcMethodMatch(MatchType.REGULAR_EXPRESSION, "helloworld\\..*", null));
        assertThat(second.backendRefs()).extracting(b -> b.name() + "=" + b.weight())
                .containsExactly("greeter-v1=50", "greeter-v2=50");
    }

    @Test
    void destinationPolicyReadsBalancerPoolAndSubsets() throws ResourceException {
        Resource<DestinationPolicySpec> policy = example("policy.yaml").ofType(DestinationPolicySpec.class).get(0);

        assertThat(policy.key()).isEqualTo(new ResourceKey(Kind.DESTINATION_POLICY, "bookinfo", "reviews"));
        assertThat(policy.spec()).isEqualTo(new DestinationPolicySpec(
                new PolicyTargetRef("", "Service", "reviews"),
                new LoadBalancer(LoadBalancerAlgorithm.RING_HASH, HashPolicy.header("x-user")),
                new ConnectionPool(100, 50, 1000, Duration.ofMinutes(5), Duration.ofMillis(250), true),
                List.of(new Subset("reviews-v1", Map.of("version", "v1")),
                        new Subset("reviews-v2", Map.of("version", "v2", "zone", "eu-west-1a")))));
    }

    @Test
    void meshConfigIsClusterScopedWithDefaults() throws ResourceException {
        Resource<MeshConfigSpec> mesh = example("policy.yaml").ofType(MeshConfigSpec.class).get(0);

        assertThat(mesh.key()).isEqualTo(new ResourceKey(Kind.MESH_CONFIG, "", "mesh"));
        assertThat(mesh.key()).hasToString("MeshConfig mesh");
        assertThat(mesh.spec()).isEqualTo(new MeshConfigSpec("weft.example.org", new MeshDefaults(
                Duration.ofSeconds(15), new HttpRouteRetry(List.of(503), 2, Duration.ofMillis(25)),
                LoadBalancerAlgorithm.LEAST_REQUEST), null, null, new Telemetry(
                new Tracing(10, TracingProvider.ZIPKIN, new CollectorEndpoint("127.0.0.1", 9411, "/api/v2/spans")),
                new AccessLog(true, "stdout", List.of(AccessLogField.START_TIME, AccessLogField.METHOD,
                        AccessLogField.PATH, AccessLogField.RESPONSE_CODE, AccessLogField.RESPONSE_FLAGS,
                        AccessLogField.DURATION, AccessLogField.TRACE_ID)))));
    }

    @Test
    void emptyMeshConfigGetsTheDefaultTrustDomain() {
        ResourceSet set = Loads.load(Loads.document("weft.dev/v1alpha1", "MeshConfig", "mesh", "{}"));

        assertThat(set.ofType(MeshConfigSpec.class).get(0).spec())
                .isEqualTo(new MeshConfigSpec("cluster.local", MeshDefaults.NONE));
    }

    @Test
    void meshConfigSetsTheMtlsModeAndDefaultAuthorization() {
        ResourceSet set = Loads.load(Loads.document("weft.dev/v1alpha1", "MeshConfig", "mesh",
                "{mtls: {mode: STRICT}, authorization: {default: DENY}}"));

        MeshConfigSpec spec = set.ofType(MeshConfigSpec.class).get(0).spec();
        assertThat(spec.mtlsMode()).isEqualTo(MtlsMode.STRICT);
        assertThat(spec.defaultAuthorization()).isEqualTo(AuthorizationDefault.DENY);
        assertThat(MeshConfigSpec.DEFAULT.mtlsMode()).isEqualTo(MtlsMode.PERMISSIVE);
        assertThat(Loads.problems(Loads.document("weft.dev/v1alpha1", "MeshConfig", "mesh",
                "{mtls: {mode: TIGHT}}"))).singleElement().asString().contains("spec.mtls.mode");
    }

    @Test
    void serviceNamesItsAccountsAndOverridesTheMtlsMode() {
        ServiceSpec spec = Loads.load(Loads.document("weft.dev/v1alpha1", "Service", "chat",
                "{ports: [{port: 8080}], serviceAccounts: [chat-v1, chat-v2], mtls: {mode: DISABLE}}"))
                .ofType(ServiceSpec.class).get(0).spec();

        assertThat(spec.serviceAccounts()).containsExactly("chat-v1", "chat-v2");
        assertThat(spec.mtlsMode()).isEqualTo(MtlsMode.DISABLE);
        assertThat(new ServiceSpec(spec.ports()).accountsOr("chat")).containsExactly("chat");
        assertThat(Loads.problems(Loads.document("weft.dev/v1alpha1", "Service", "chat",
                "{ports: [{port: 8080}], serviceAccounts: [a, a], mtls: {}}")))
                .anySatisfy(p -> assertThat(p).contains("spec.serviceAccounts[1]").contains("duplicate"))
                .anySatisfy(p -> assertThat(p).contains("spec.mtls.mode").contains("required"));
    }

    @Test
    void serviceAndInstancesRegisterStatically() throws ResourceException {
        ResourceSet set = example("registry.yaml");

        assertThat(set.ofType(ServiceSpec.class)).singleElement().satisfies(service -> {
            assertThat(service.key()).hasToString("Service bookinfo/reviews");
            assertThat(service.spec().ports()).containsExactly(
                    new ServicePort("http", 9080, ServiceProtocol.HTTP),
                    new ServicePort("grpc", 9090, ServiceProtocol.GRPC));
        });
        List<Resource<ServiceInstanceSpec>> instances = set.ofType(ServiceInstanceSpec.class);
        assertThat(instances).extracting(Resource::spec).containsExactly(
                new ServiceInstanceSpec("reviews", "10.0.0.11", 9080, null, null),
                new ServiceInstanceSpec("reviews", "reviews-v2-0.hosts.example.com", 9080, ServiceProtocol.HTTP2,
                        Duration.ofSeconds(30)),
                new ServiceInstanceSpec("reviews", "fd00::12", 9080, null, null));
        assertThat(instances.get(0).metadata().labels()).isEqualTo(Map.of("version", "v1", "zone", "eu-west-1a"));
    }

    @Test
    void singlePortServiceNeedsNoPortNameAndDefaultsToHttp() {
        ResourceSet set = Loads.load(Loads.document("weft.dev/v1alpha1", "Service", "s", "ports: [{port: 8080}]"));

        assertThat(set.ofType(ServiceSpec.class).get(0).spec().ports())
                .containsExactly(new ServicePort(null, 8080, ServiceProtocol.HTTP));
    }

    @Test
    void resourceSetGivesResourcesByKeyKindAndType() throws ResourceException {
        ResourceSet set = new ResourceLoader().load(EXAMPLES);

        assertThat(set.size()).isEqualTo(14);
        assertThat(set.ofKind(Kind.SERVICE_INSTANCE)).hasSize(3);
        assertThat(set.ofKind(Kind.AUTHORIZATION_POLICY)).hasSize(5);
        assertThat(set.get(new ResourceKey(Kind.SERVICE, "bookinfo", "reviews"))).isPresent();
        assertThat(set.get(new ResourceKey(Kind.SERVICE, "default", "reviews"))).isEmpty();
        assertThat(set.resources().get(0).as(HttpRouteSpec.class)).isPresent();
        assertThat(set.resources().get(0).as(GrpcRouteSpec.class)).isEmpty();
    }

    @Test
    void kindsParseFromCommandLineSpellings() {
        assertThat(Kind.parse("httproute")).contains(Kind.HTTP_ROUTE);
        assertThat(Kind.parse("HTTPRoute")).contains(Kind.HTTP_ROUTE);
        assertThat(Kind.parse("destinationpolicies")).contains(Kind.DESTINATION_POLICY);
        assertThat(Kind.parse("gateway")).isEmpty();
    }
}
