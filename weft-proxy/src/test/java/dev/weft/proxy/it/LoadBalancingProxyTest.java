package dev.weft.proxy.it;

import static dev.weft.proxy.it.RoutingProxyTest.lowerBound;
import static dev.weft.proxy.it.RoutingProxyTest.upperBound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.weft.testkit.Curl;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Load balancing through the proxy over three real upstreams (simulated model servers, told apart
 * by their x-model-server-instance header): each lb_policy, endpoint weights, hash policies and
 * priority failover on endpoint health.
 */
class LoadBalancingProxyTest {
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void roundRobinRotatesThroughEndpointsInAFixedOrder() throws Exception {
        List<ModelServer> s = servers(b -> b, b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", ""),
                cluster("ROUND_ROBIN", "", locality(0, endpoint(s.get(0), ""), endpoint(s.get(1), ""), endpoint(s.get(2), ""))));

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            order.add(instance(get(proxy, "/status/200")));
        }

        assertThat(Set.copyOf(order.subList(0, 3))).containsExactlyInAnyOrder("a", "b", "c");
        for (int i = 3; i < order.size(); i++) {
            assertThat(order.get(i)).as("request %d repeats the rotation %s", i, order).isEqualTo(order.get(i - 3));
        }
        assertThat(s).allSatisfy(m -> assertThat(m.requestCount()).isEqualTo(10));
    }

    @Test
    void roundRobinHonoursLoadBalancingWeights() throws Exception {
        List<ModelServer> s = servers(b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", ""),
                cluster("ROUND_ROBIN", "", locality(0,
                        endpoint(s.get(0), "load_balancing_weight: 1"), endpoint(s.get(1), "load_balancing_weight: 3"))));

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            order.add(instance(get(proxy, "/status/200")));
        }

        // The weighted schedule is exact: every window of one cycle (4 picks) holds one "a" and three "b".
        for (int i = 0; i + 4 <= order.size(); i++) {
            assertThat(order.subList(i, i + 4)).as("picks %d..%d", i, i + 3).containsOnlyOnce("a");
        }
        assertThat(s.get(0).requestCount()).isEqualTo(50);
        assertThat(s.get(1).requestCount()).isEqualTo(150);
    }

    @Test
    void randomSpreadsEvenlyOverEqualEndpoints() throws Exception {
        List<ModelServer> s = servers(b -> b, b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", ""),
                cluster("RANDOM", "", locality(0, endpoint(s.get(0), ""), endpoint(s.get(1), ""), endpoint(s.get(2), ""))));
        int n = 600;

        Map<String, Integer> counts = countInstances(proxy, n);

        assertThat(counts.keySet()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(lowerBound(n, 1 / 3.0), upperBound(n, 1 / 3.0)));
    }

    @Test
    void randomFollowsLoadBalancingWeights() throws Exception {
        List<ModelServer> s = servers(b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", ""),
                cluster("RANDOM", "", locality(0,
                        endpoint(s.get(0), "load_balancing_weight: 1"), endpoint(s.get(1), "load_balancing_weight: 3"))));
        int n = 600;

        Map<String, Integer> counts = countInstances(proxy, n);

        assertThat(counts.getOrDefault("a", 0)).as("requests to the weight-1 endpoint of 1:3")
                .isBetween(lowerBound(n, 0.25), upperBound(n, 0.25));
        assertThat(counts.getOrDefault("a", 0) + counts.getOrDefault("b", 0)).isEqualTo(n);
    }

    @Test
    void leastRequestSendsLessToASlowUpstreamUnderConcurrentLoad() throws Exception {
        List<ModelServer> s = servers(b -> b.extraLatency(Duration.ofMillis(300)), b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", ""),
                cluster("LEAST_REQUEST", "", locality(0, endpoint(s.get(0), ""), endpoint(s.get(1), ""), endpoint(s.get(2), ""))));
        int n = 150;
        String completion = "{\"model\":\"weft-sim\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        // Six requests in flight at all times: the slow upstream keeps its share in flight longest,
        // so comparing in-flight counts steers new requests to the fast ones.
        Semaphore inFlight = new Semaphore(6);
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            assertThat(inFlight.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
            all.add(client.sendAsync(HttpRequest.newBuilder(proxy.uri("/v1/chat/completions"))
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(completion)).build(),
                    HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> inFlight.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        assertThat(all).allSatisfy(f -> assertThat(f.join().statusCode()).isEqualTo(200));
        long slow = s.get(0).requestCount();
        // a round robin sends it 50; on a busy machine the fast ones slow down too, so the margin is kept wide
        assertThat(slow).as("requests to the slow upstream, of %d (a round robin would send a third)", n)
                .isLessThan(n / 4);
        assertThat(s.get(1).requestCount() + s.get(2).requestCount()).isEqualTo(n - slow);
        assertThat(s.get(1).requestCount()).isGreaterThan(n / 4);
        assertThat(s.get(2).requestCount()).isGreaterThan(n / 4);
    }

    @Test
    void ringHashOnAHeaderKeepsEachValueOnOneUpstream() throws Exception {
        List<ModelServer> s = servers(b -> b, b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", "hash_policy: [{header: {header_name: x-session}}]"),
                cluster("RING_HASH", "", locality(0, endpoint(s.get(0), ""), endpoint(s.get(1), ""), endpoint(s.get(2), ""))));

        Map<String, Set<String>> bySession = new HashMap<>();
        for (int round = 0; round < 4; round++) {
            for (int k = 0; k < 40; k++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/status/200"))
                        .header("x-session", "session-" + k).build(), HttpResponse.BodyHandlers.ofString());
                bySession.computeIfAbsent("session-" + k, x -> new HashSet<>()).add(instance(r));
            }
        }

        assertThat(bySession.values()).allSatisfy(set -> assertThat(set).hasSize(1));
        assertThat(bySession.values().stream().flatMap(Set::stream).collect(Collectors.toSet()))
                .as("40 session values spread over the three upstreams").containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void ringHashOnACookieKeepsEachValueOnOneUpstream() throws Exception {
        assumeThat(Curl.available()).as("curl is installed").isTrue();
        List<ModelServer> s = servers(b -> b, b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", "hash_policy: [{cookie: {name: session}}]"),
                cluster("RING_HASH", "", locality(0, endpoint(s.get(0), ""), endpoint(s.get(1), ""), endpoint(s.get(2), ""))));

        Map<String, Set<String>> bySession = new HashMap<>();
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < 40; k++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/status/200"))
                        .header("cookie", "theme=dark; session=user-" + k + "; lang=en").build(),
                        HttpResponse.BodyHandlers.ofString());
                bySession.computeIfAbsent("user-" + k, x -> new HashSet<>()).add(instance(r));
            }
        }
        Curl.Result curl = Curl.run("-v", "-b", "session=user-7", proxy.uri("/status/200").toString());

        assertThat(bySession.values()).allSatisfy(set -> assertThat(set).hasSize(1));
        assertThat(bySession.values().stream().flatMap(Set::stream).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("a", "b", "c");
        assertThat(RoutingProxyTest.curlHeader(curl, "x-model-server-instance"))
                .as("curl's cookie hashes like the same value sent by another client")
                .isEqualTo(bySession.get("user-7").iterator().next());
    }

    @Test
    void ringHashOnSourceIpKeepsEachClientAddressOnOneUpstream() throws Exception {
        List<ModelServer> s = servers(b -> b, b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", "hash_policy: [{connection_properties: {source_ip: true}}]"),
                cluster("RING_HASH", "", locality(0, endpoint(s.get(0), ""), endpoint(s.get(1), ""), endpoint(s.get(2), ""))));

        Map<String, Set<String>> byAddress = new HashMap<>();
        for (int round = 0; round < 3; round++) {
            for (int ip = 1; ip <= 40; ip++) {
                String source = "127.0.0." + ip;
                // a new connection each time: the hash follows the address, not the connection
                try (RawHttp c = RawHttp.connect(proxy.port(), source)) {
                    RawHttp.Response r = c.exchange("GET /status/200 HTTP/1.1\nHost: svc\nConnection: close");
                    assertThat(r.status()).isEqualTo(200);
                    byAddress.computeIfAbsent(source, x -> new HashSet<>()).add(r.header("x-model-server-instance"));
                }
            }
        }

        assertThat(byAddress.values()).allSatisfy(set -> assertThat(set).hasSize(1));
        assertThat(byAddress.values().stream().flatMap(Set::stream).collect(Collectors.toSet()))
                .as("40 client addresses spread over the three upstreams").containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void unhealthyPriorityZeroFailsOverToPriorityOne() throws Exception {
        List<ModelServer> s = servers(b -> b, b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", ""), cluster("ROUND_ROBIN", "",
                locality(0, endpoint(s.get(0), "health_status: UNHEALTHY"), endpoint(s.get(1), "health_status: UNHEALTHY"))
                        + locality(1, endpoint(s.get(2), ""))));

        Map<String, Integer> counts = countInstances(proxy, 20);

        assertThat(counts).containsExactly(Map.entry("c", 20));
    }

    @Test
    void aHealthyPriorityZeroEndpointTakesAllTraffic() throws Exception {
        List<ModelServer> s = servers(b -> b, b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", ""), cluster("ROUND_ROBIN", "",
                locality(0, endpoint(s.get(0), ""), endpoint(s.get(1), "health_status: UNHEALTHY"))
                        + locality(1, endpoint(s.get(2), ""))));

        Map<String, Integer> counts = countInstances(proxy, 20);

        assertThat(counts).containsExactly(Map.entry("a", 20));
    }

    @Test
    void noHealthyEndpointIsA503WithItsCode() throws Exception {
        List<ModelServer> s = servers(b -> b, b -> b, b -> b);
        ProxyFixture proxy = proxy(Bootstraps.routeTo("backend", ""), cluster("ROUND_ROBIN", "",
                locality(0, endpoint(s.get(0), "health_status: UNHEALTHY"), endpoint(s.get(1), "health_status: DRAINING"))
                        + locality(1, endpoint(s.get(2), "health_status: TIMEOUT"))));

        HttpResponse<String> r = get(proxy, "/status/200");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-weft-error")).hasValue("no_healthy_upstream");
        assertThat(r.body()).startsWith("no_healthy_upstream: ");
        assertThat(s).allSatisfy(m -> assertThat(m.requestCount()).isZero());
        assertThat(proxy.stat("cluster.backend.upstream_cx_none_healthy")).isEqualTo(1);
    }

    // ---------------------------------------------------------------- helpers

    /** Model servers "a", "b", "c"... on ephemeral ports, each configured by one customiser. */
    @SafeVarargs
    private List<ModelServer> servers(UnaryOperator<ModelServerConfig.Builder>... configs) {
        List<ModelServer> out = new ArrayList<>();
        for (int i = 0; i < configs.length; i++) {
            String id = String.valueOf((char) ('a' + i));
            ModelServer m = ModelServer.start(configs[i].apply(ModelServerConfig.builder().instanceId(id)).build());
            resources.add(m);
            out.add(m);
        }
        return out;
    }

    private ProxyFixture proxy(String routes, String clusters) throws Exception {
        ProxyFixture p = ProxyFixture.start(Bootstraps.of(routes, clusters));
        resources.add(p);
        return p;
    }

    /** Cluster "backend" with {@code lbPolicy}, extra cluster fields and the given localities. */
    private static String cluster(String lbPolicy, String extra, String localities) {
        return "- name: backend\n"
                + "  type: STATIC\n"
                + "  connect_timeout: 1s\n"
                + "  lb_policy: " + lbPolicy + "\n"
                + Bootstraps.indent(extra, 2)
                + "  load_assignment:\n"
                + "    cluster_name: backend\n"
                + "    endpoints:\n"
                + Bootstraps.indent(localities, 4);
    }

    /** One LocalityLbEndpoints list item of {@code priority}. */
    private static String locality(int priority, String... endpoints) {
        return "- priority: " + priority + "\n"
                + "  lb_endpoints:\n"
                + Bootstraps.indent(String.join("", endpoints), 2);
    }

    /** One LbEndpoint list item for {@code server}, with extra LbEndpoint fields. */
    private static String endpoint(ModelServer server, String extra) {
        return "- endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: " + server.port() + "}}}\n"
                + Bootstraps.indent(extra, 2);
    }

    private HttpResponse<String> get(ProxyFixture proxy, String target) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(proxy.uri(target)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String instance(HttpResponse<String> r) {
        assertThat(r.statusCode()).as("status of a balanced request").isEqualTo(200);
        return r.headers().firstValue("x-model-server-instance").orElseThrow();
    }

    /** Sends {@code n} sequential GETs and counts the responses by serving instance. */
    private Map<String, Integer> countInstances(ProxyFixture proxy, int n) throws IOException, InterruptedException {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(instance(get(proxy, "/status/200")), 1, Integer::sum);
        }
        return counts;
    }
}
