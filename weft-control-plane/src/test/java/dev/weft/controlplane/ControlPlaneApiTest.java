package dev.weft.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.api.Kind;
import dev.weft.api.Resource;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.controlplane.client.ApplyResponse;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ControlPlaneException;
import dev.weft.controlplane.client.RegistryService;
import dev.weft.controlplane.store.CorruptStateException;
import dev.weft.controlplane.store.StateFile;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTPS API through {@link ControlPlaneClient}, and the control plane's life across restarts. */
class ControlPlaneApiTest {

    private static final String SERVICE = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: reviews}
            spec: {ports: [{port: 9080}]}
            """;
    private static final String ROUTE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: reviews}
            spec:
              parentRefs: [{group: "", kind: Service, name: reviews}]
              rules:
                - backendRefs: [{name: reviews, port: 9080}]
            """;

    @TempDir
    Path dataDir;

    private final TestClock clock = new TestClock();
    private ControlPlane controlPlane;
    private ControlPlaneClient client;

    @BeforeEach
    void start() throws Exception {
        startControlPlane();
    }

    @AfterEach
    void stop() {
        controlPlane.close();
    }

    private void startControlPlane() throws Exception {
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0).withClock(clock));
        client = controlPlane.client();
    }

    @SuppressWarnings("unchecked")
    private static Resource<ServiceInstanceSpec> instance(String name) {
        return (Resource<ServiceInstanceSpec>) Yaml.resources("""
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: %s, labels: {version: v2}}
                spec: {service: reviews, address: 10.0.0.5, port: 9080, ttl: 30s}
                """.formatted(name)).get(0);
    }

    @Test
    void applyGetAndDeleteResources() throws Exception {
        ApplyResponse dryRun = client.apply(Yaml.resources(SERVICE + "---\n" + ROUTE), true);
        assertThat(dryRun.dryRun()).isTrue();
        assertThat(dryRun.changes()).extracting(ApplyResponse.Change::action).containsExactly("created", "created");
        assertThat(client.list(Kind.SERVICE, null)).isEmpty();

        ApplyResponse applied = client.apply(Yaml.resources(SERVICE + "---\n" + ROUTE), false);
        assertThat(applied.version()).isEqualTo(1);
        assertThat(applied.changes()).extracting(c -> c.kind() + " " + c.namespace() + "/" + c.name())
                .containsExactly("Service default/reviews", "HTTPRoute default/reviews");

        assertThat(client.get(Kind.HTTP_ROUTE, "default", "reviews")).hasValueSatisfying(r ->
                assertThat(r.metadata().generation()).isEqualTo(1));
        assertThat(client.get(Kind.HTTP_ROUTE, "default", "ratings")).isEmpty();
        assertThat(client.list(Kind.HTTP_ROUTE, "other")).isEmpty();
        assertThat(client.delete(Kind.HTTP_ROUTE, "default", "reviews")).isTrue();
        assertThat(client.delete(Kind.HTTP_ROUTE, "default", "reviews")).isFalse();
        assertThat(client.list(Kind.HTTP_ROUTE, null)).isEmpty();
    }

    @Test
    void anInvalidBatchIsRefusedWithResourceAndFieldPathAndNothingIsApplied() throws Exception {
        String badRoute = ROUTE.replace("port: 9080}", "port: 9081}");

        assertThatThrownBy(() -> client.apply(Yaml.resources(SERVICE + "---\n" + badRoute), false))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessage("HTTPRoute default/reviews: spec.rules[0].backendRefs[0].port: Service default/reviews "
                        + "has no port 9081; its ports are [9080]");

        assertThat(client.list(Kind.SERVICE, null)).isEmpty();
        assertThat(controlPlane.store().generation()).isZero();
    }

    @Test
    void instancesRegisterHeartbeatAndDeregister() throws Exception {
        client.register(instance("reviews-1"));

        RegistryService reviews = client.registry().get(0);
        assertThat(reviews.declared()).isFalse();
        assertThat(reviews.ports()).extracting(RegistryService.Port::port).containsExactly(9080);
        assertThat(reviews.instances()).singleElement().satisfies(i -> {
            assertThat(i.source()).isEqualTo("api");
            assertThat(i.lastHeartbeat()).isEqualTo(clock.instant());
            assertThat(i.labels()).containsEntry("version", "v2");
        });

        clock.advance(Duration.ofSeconds(20));
        assertThat(client.heartbeat("default", "reviews-1")).isTrue();
        assertThat(client.registry().get(0).instances().get(0).lastHeartbeat()).isEqualTo(clock.instant());
        assertThat(client.heartbeat("default", "reviews-9")).isFalse();

        assertThat(client.deregister("default", "reviews-1")).isTrue();
        assertThat(client.deregister("default", "reviews-1")).isFalse();
        assertThat(client.registry()).isEmpty();
    }

    @Test
    void anInstanceDeclaredAsAResourceCannotBeRegisteredThroughTheApi() throws Exception {
        client.apply(Yaml.resources(SERVICE + "---\n" + """
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: reviews-1}
                spec: {service: reviews, address: 10.0.0.5, port: 9080}
                """), false);

        assertThatThrownBy(() -> client.register(instance("reviews-1")))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(409))
                .hasMessageContaining("declared as a resource");
        assertThat(client.registry().get(0).instances()).extracting(RegistryService.Instance::source)
                .containsExactly("static");
    }

    @Test
    void aRestartKeepsResourcesAndRegisteredInstances() throws Exception {
        client.apply(Yaml.resources(SERVICE + "---\n" + ROUTE), false);
        client.register(instance("reviews-1"));

        controlPlane.close();
        startControlPlane();

        assertThat(client.list(Kind.HTTP_ROUTE, null)).hasSize(1);
        assertThat(controlPlane.store().generation()).isEqualTo(1);
        assertThat(client.registry().get(0).instances()).extracting(RegistryService.Instance::name,
                RegistryService.Instance::health).containsExactly(org.assertj.core.groups.Tuple.tuple("reviews-1",
                "HEALTHY"));
    }

    @Test
    void aCorruptStateFileStopsTheStartNamingTheFile() throws Exception {
        controlPlane.close();
        Files.writeString(dataDir.resolve(StateFile.FILE_NAME), "not json");

        assertThatThrownBy(this::startControlPlane)
                .isInstanceOf(CorruptStateException.class)
                .hasMessageStartingWith(dataDir.resolve(StateFile.FILE_NAME).toString());

        Files.delete(dataDir.resolve(StateFile.FILE_NAME));
        startControlPlane();
    }

    @Test
    void errorsAreJsonWithAMessage() throws Exception {
        HttpClient http = ApiHttp.at(controlPlane, clock);

        HttpResponse<String> unknown = http.send(ApiHttp.authorized(controlPlane, "/v2/things").build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> badJson = http.send(ApiHttp.authorized(controlPlane, "/v1/apply")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"resources\": [")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> badKind = http.send(ApiHttp.authorized(controlPlane, "/v1/resources?kind=Pod")
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":\"no such endpoint: /v2/things\"}");
        assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(badJson.body()).contains("body is not JSON");
        assertThat(badKind.statusCode()).isEqualTo(400);
        assertThat(badKind.body()).contains("unknown kind \\\"Pod\\\"");
        assertThat(client.healthy()).isTrue();
    }

    @Test
    void webPagesCannotChangeTheMeshEvenWithTheToken() throws Exception {
        HttpClient http = ApiHttp.at(controlPlane, clock);
        String instance = """
                {"apiVersion": "weft.dev/v1alpha1", "kind": "ServiceInstance", "metadata": {"name": "evil"},
                 "spec": {"service": "chat", "address": "203.0.113.7", "port": 80}}""";

        // a cross-site form or fetch without preflight: text/plain
        HttpResponse<String> plain = http.send(ApiHttp.authorized(controlPlane, "/v1/instances")
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(instance)).build(), HttpResponse.BodyHandlers.ofString());
        // any request a page makes carries its Origin
        HttpResponse<String> fromPage = http.send(ApiHttp.authorized(controlPlane, "/v1/registry")
                .header("Origin", "http://evil.example").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(plain.statusCode()).isEqualTo(415);
        assertThat(fromPage.statusCode()).isEqualTo(403);
        assertThat(client.registry().stream().flatMap(s -> s.instances().stream()).map(i -> i.name()))
                .doesNotContain("evil");
    }
}
