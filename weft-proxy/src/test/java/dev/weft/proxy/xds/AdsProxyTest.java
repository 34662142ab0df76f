package dev.weft.proxy.xds;

import static dev.weft.proxy.xds.XdsFixtures.NODE;
import static dev.weft.proxy.xds.XdsFixtures.edsCluster;
import static dev.weft.proxy.xds.XdsFixtures.endpoints;
import static dev.weft.proxy.xds.XdsFixtures.listener;
import static dev.weft.proxy.xds.XdsFixtures.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy as an xDS client of a real ADS server (java-control-plane) over real sockets, routing
 * to simulated model servers told apart by their x-model-server-instance header: readiness,
 * live route, endpoint and listener changes, NACKs, and a control plane that goes away.
 */
class AdsProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ModelServer a = server("a");
    private final ModelServer b = server("b");

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void becomesReadyOnlyAfterItsFirstConfiguration() throws Exception {
        FakeControlPlane cp = controlPlane();
        ProxyServer proxy = proxy(cp.port());
        await().atMost(WAIT).until(() -> proxy.xdsStatus().connected());

        HttpResponse<String> before = admin(proxy, "/ready");
        assertThat(before.statusCode()).isEqualTo(503);
        assertThat(before.body()).isEqualTo("INITIALIZING\n");
        assertThat(proxy.configured()).isNotDone();

        cp.set(NODE, config("1", "models", endpoints("models", a.port())));
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(admin(proxy, "/ready").statusCode()).isEqualTo(200);
        assertThat(instance(get(proxy, "main", "/status/200"))).isEqualTo("a");
        JsonNode xds = JSON.readTree(admin(proxy, "/xds").body());
        assertThat(xds.get("connected").asBoolean()).isTrue();
        for (String type : List.of("LDS", "RDS", "CDS", "EDS")) {
            assertThat(xds.at("/types/" + type + "/applied_version").asText()).as(type).isEqualTo("1");
        }
        assertThat(proxy.stats().value("xds.connected")).isEqualTo(1);
        assertThat(proxy.stats().value("xds.update_success")).isGreaterThanOrEqualTo(4);
        assertThat(proxy.stats().value("xds.lds.version")).isNotZero();
        await().atMost(WAIT).untilAsserted(() -> assertThat(cp.requests())
                .as("an ACK of every type: version 1, no error")
                .filteredOn(r -> r.getVersionInfo().equals("1") && !r.hasErrorDetail())
                .extracting(DiscoveryRequest::getTypeUrl)
                .contains(XdsType.LDS.typeUrl(), XdsType.RDS.typeUrl(), XdsType.CDS.typeUrl(), XdsType.EDS.typeUrl()));
    }

    @Test
    void routeChangesUnderContinuousLoadFailNoRequest() throws Exception {
        FakeControlPlane cp = controlPlane();
        ProxyServer proxy = proxy(cp.port());
        cp.set(NODE, twoClusters("1", "cluster-a"));
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        int port = proxy.port("main");

        AtomicBoolean running = new AtomicBoolean(true);
        Map<String, LongAdder> served = new ConcurrentHashMap<>();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService load = Executors.newFixedThreadPool(4);
        for (int i = 0; i < 4; i++) {
            load.execute(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> r = client.send(request(port, "/status/200"), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            served.computeIfAbsent(instance(r), k -> new LongAdder()).increment();
                        } else {
                            failures.add(r.statusCode() + " " + r.headers().firstValue("x-weft-error").orElse("") + " " + r.body());
                        }
                    } catch (IOException | InterruptedException e) {
                        failures.add(e.toString());
                    }
                }
            });
        }
        try {
            for (int v = 2; v <= 7; v++) {
                String to = v % 2 == 0 ? "b" : "a";
                long before = count(served, to);
                cp.set(NODE, twoClusters(String.valueOf(v), "cluster-" + to));
                await().atMost(WAIT).until(() -> count(served, to) >= before + 50);
            }
        } finally {
            running.set(false);
            load.shutdown();
            assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(failures).as("requests failed while routes changed").isEmpty();
        assertThat(count(served, "a") + count(served, "b")).isGreaterThan(300);
    }

    @Test
    void aRequestInFlightFinishesOnTheClusterItResolvedWhenAnUpdateRemovesIt() throws Exception {
        FakeControlPlane cp = controlPlane();
        ProxyServer proxy = proxy(cp.port());
        cp.set(NODE, twoClusters("1", "cluster-a"));
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                request(proxy.port("main"), "/delay/1500"), HttpResponse.BodyHandlers.ofString());
        await().atMost(WAIT).until(() -> a.inFlight() == 1);

        cp.set(NODE, XdsFixtures.snapshot("2", List.of(edsCluster("cluster-b")), List.of(endpoints("cluster-b", b.port())),
                List.of(listener("main", 0, "main")), List.of(routes("main", "cluster-b"))));
        awaitApplied(proxy, XdsType.CDS, "2");

        assertThat(proxy.clusters().get("cluster-a")).as("removed for new requests").isNull();
        assertThat(instance(get(proxy, "main", "/status/200"))).isEqualTo("b");
        HttpResponse<String> r = slow.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(instance(r)).isEqualTo("a");
        await().atMost(WAIT).untilAsserted(() -> assertThat(proxy.stats().value("cluster.cluster-a.upstream_cx_active"))
                .as("the removed cluster's connection closes once its request is done").isZero());
    }

    @Test
    void anEndpointChangeMovesTrafficAndKeepsConnectionsToEndpointsThatStay() throws Exception {
        FakeControlPlane cp = controlPlane();
        ProxyServer proxy = proxy(cp.port());
        cp.set(NODE, config("1", "models", endpoints("models", a.port())));
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(instances(proxy, 5)).containsOnly("a");
        assertThat(proxy.stats().value("cluster.models.upstream_cx_total")).isEqualTo(1);

        cp.set(NODE, config("2", "models", endpoints("models", a.port(), b.port())));
        awaitApplied(proxy, XdsType.EDS, "2");

        assertThat(instances(proxy, 10)).containsOnly("a", "b");
        assertThat(proxy.stats().value("cluster.models.upstream_cx_total"))
                .as("the pooled connection to a is kept; b needs one").isEqualTo(2);

        cp.set(NODE, config("3", "models", endpoints("models", b.port())));
        awaitApplied(proxy, XdsType.EDS, "3");

        assertThat(instances(proxy, 10)).containsOnly("b");
        await().atMost(WAIT).untilAsserted(() -> assertThat(proxy.stats().value("cluster.models.upstream_cx_active"))
                .as("the idle connection to the removed endpoint is closed").isEqualTo(1));
    }

    @Test
    void aBadResourceIsNackedWithItsFieldPathAndTheOldConfigKeepsServing() throws Exception {
        FakeControlPlane cp = controlPlane();
        ProxyServer proxy = proxy(cp.port());
        cp.set(NODE, config("1", "models", endpoints("models", a.port())));
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        Listener bad = listener("main", 0, "main", hcm -> hcm.setServerName("weft"));
        cp.set(NODE, XdsFixtures.snapshot("2", List.of(edsCluster("models")), List.of(endpoints("models", a.port())),
                List.of(bad), List.of(routes("main", "models"))));

        String reason = "Listener[main].filter_chains[0].filters[0].typed_config.server_name: "
                + "is not supported by Weft (see docs/envoy-compat.md)";
        await().atMost(WAIT).untilAsserted(() -> assertThat(cp.requests())
                .filteredOn(r -> r.getTypeUrl().equals(XdsType.LDS.typeUrl()) && r.hasErrorDetail())
                .first()
                .satisfies(nack -> {
                    assertThat(nack.getErrorDetail().getMessage()).isEqualTo(reason);
                    assertThat(nack.getVersionInfo()).as("the version still served").isEqualTo("1");
                    assertThat(nack.getResponseNonce()).isNotEmpty();
                }));
        assertThat(proxy.xdsStatus().lastRejection().reason()).isEqualTo(reason);
        assertThat(proxy.xdsStatus().types().get(XdsType.LDS).appliedVersion()).isEqualTo("1");
        assertThat(JSON.readTree(admin(proxy, "/xds").body()).at("/last_rejection/reason").asText()).isEqualTo(reason);
        assertThat(proxy.stats().value("xds.lds.update_rejected")).isPositive();
        assertThat(instance(get(proxy, "main", "/status/200"))).isEqualTo("a");

        cp.set(NODE, config("3", "models", endpoints("models", b.port())));
        awaitApplied(proxy, XdsType.LDS, "3");

        assertThat(instance(get(proxy, "main", "/status/200"))).isEqualTo("b");
        assertThat(proxy.xdsStatus().types().get(XdsType.LDS).error()).isNull();
    }

    @Test
    void keepsServingWithoutItsControlPlaneAndResyncsWhenItIsBack() throws Exception {
        FakeControlPlane cp = controlPlane();
        int xdsPort = cp.port();
        ProxyServer proxy = proxy(xdsPort);
        cp.set(NODE, config("1", "models", endpoints("models", a.port())));
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        cp.close();
        await().atMost(WAIT).until(() -> !proxy.xdsStatus().connected());

        assertThat(proxy.stats().value("xds.connected")).isZero();
        assertThat(instances(proxy, 5)).containsOnly("a");
        assertThat(admin(proxy, "/ready").statusCode()).isEqualTo(200);

        FakeControlPlane back = FakeControlPlane.start(xdsPort);
        resources.add(back);
        back.set(NODE, config("2", "models", endpoints("models", b.port())));

        awaitApplied(proxy, XdsType.EDS, "2");
        assertThat(proxy.xdsStatus().connected()).isTrue();
        assertThat(instances(proxy, 5)).containsOnly("b");
        assertThat(back.requests())
                .as("the proxy resubscribed with the version it had")
                .anySatisfy(r -> {
                    assertThat(r.getTypeUrl()).isEqualTo(XdsType.CDS.typeUrl());
                    assertThat(r.getVersionInfo()).isEqualTo("1");
                    assertThat(r.getResponseNonce()).isEmpty();
                });
    }

    @Test
    void listenersAreAddedAndRemovedLiveAndAnUnbindableOneIsNacked() throws Exception {
        FakeControlPlane cp = controlPlane();
        ProxyServer proxy = proxy(cp.port());
        List<Cluster> clusters = List.of(edsCluster("models"));
        List<ClusterLoadAssignment> cla = List.of(endpoints("models", a.port()));
        cp.set(NODE, XdsFixtures.snapshot("1", clusters, cla, List.of(listener("main", 0, "main")), List.of(routes("main", "models"))));
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        int mainPort = proxy.port("main");

        cp.set(NODE, XdsFixtures.snapshot("2", clusters, cla,
                List.of(listener("main", 0, "main"), listener("second", 0, "main")), List.of(routes("main", "models"))));
        awaitApplied(proxy, XdsType.LDS, "2");

        assertThat(proxy.port("main")).as("a kept listener keeps its socket").isEqualTo(mainPort);
        assertThat(instance(get(proxy, "second", "/status/200"))).isEqualTo("a");

        cp.set(NODE, XdsFixtures.snapshot("3", clusters, cla, List.of(listener("second", 0, "main")), List.of(routes("main", "models"))));
        awaitApplied(proxy, XdsType.LDS, "3");

        assertThatThrownBy(() -> proxy.port("main")).isInstanceOf(IllegalArgumentException.class);
        await().atMost(WAIT).untilAsserted(() -> assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), mainPort).close())
                .isInstanceOf(ConnectException.class));
        assertThat(instance(get(proxy, "second", "/status/200"))).isEqualTo("a");

        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            cp.set(NODE, XdsFixtures.snapshot("4", clusters, cla,
                    List.of(listener("second", 0, "main"), listener("third", taken.getLocalPort(), "main")),
                    List.of(routes("main", "models"))));

            await().atMost(WAIT).untilAsserted(() -> assertThat(proxy.xdsStatus().types().get(XdsType.LDS).error())
                    .startsWith("listener third: cannot bind 127.0.0.1:" + taken.getLocalPort()));
        }
        assertThat(proxy.xdsStatus().types().get(XdsType.LDS).appliedVersion()).isEqualTo("3");
        assertThatThrownBy(() -> proxy.port("third")).isInstanceOf(IllegalArgumentException.class);
        assertThat(instance(get(proxy, "second", "/status/200"))).isEqualTo("a");
    }

    // ---------------------------------------------------------------- fixtures

    /** Listener main (RDS main) → EDS cluster {@code cluster} with {@code assignment}. */
    private static Snapshot config(String version, String cluster, ClusterLoadAssignment assignment) {
        return XdsFixtures.snapshot(version, List.of(edsCluster(cluster)), List.of(assignment),
                List.of(listener("main", 0, "main")), List.of(routes("main", cluster)));
    }

    /** Clusters cluster-a and cluster-b (one endpoint each); listener main routes to {@code routeTo}. */
    private Snapshot twoClusters(String version, String routeTo) {
        return XdsFixtures.snapshot(version, List.of(edsCluster("cluster-a"), edsCluster("cluster-b")),
                List.of(endpoints("cluster-a", a.port()), endpoints("cluster-b", b.port())),
                List.of(listener("main", 0, "main")), List.of(routes("main", routeTo)));
    }

    private ModelServer server(String instance) {
        ModelServer s = ModelServer.start(ModelServerConfig.builder().instanceId(instance).build());
        resources.add(s);
        return s;
    }

    private FakeControlPlane controlPlane() throws IOException {
        FakeControlPlane cp = FakeControlPlane.start();
        resources.add(cp);
        return cp;
    }

    private ProxyServer proxy(int xdsPort) throws Exception {
        ProxyServer p = ProxyServer.start(BootstrapLoader.build(XdsFixtures.bootstrap(xdsPort)), 2);
        resources.add(() -> {
            p.close();
            p.stopped().get(10, TimeUnit.SECONDS);
        });
        return p;
    }

    private static void awaitApplied(ProxyServer proxy, XdsType type, String version) {
        await().atMost(WAIT).until(() -> proxy.xdsStatus().types().get(type).appliedVersion().equals(version));
    }

    private List<String> instances(ProxyServer proxy, int requests) throws Exception {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> r = get(proxy, "main", "/status/200");
            assertThat(r.statusCode()).as("request %d: %s", i, r.body()).isEqualTo(200);
            out.add(instance(r));
        }
        return out;
    }

    private HttpResponse<String> get(ProxyServer proxy, String listener, String path) throws Exception {
        return client.send(request(proxy.port(listener), path), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(ProxyServer proxy, String path) throws Exception {
        return client.send(request(proxy.adminPort(), path), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build();
    }

    private static String instance(HttpResponse<?> r) {
        return r.headers().firstValue("x-model-server-instance").orElse("none: " + r.statusCode());
    }

    private static long count(Map<String, LongAdder> served, String instance) {
        LongAdder n = served.get(instance);
        return n == null ? 0 : n.sum();
    }
}
