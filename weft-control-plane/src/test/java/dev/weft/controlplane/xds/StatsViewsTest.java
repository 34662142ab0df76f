package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Value;
import com.sun.net.httpserver.HttpServer;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.Yaml;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ControlPlaneException;
import dev.weft.controlplane.client.ServiceGraph;
import dev.weft.controlplane.client.ServiceStats;
import dev.weft.testkit.Ports;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane scrapes every connected sidecar's admin {@code /stats/prometheus} (here: admin listeners on
 * loopback that serve expositions with the contract's names and labels, behind real ADS streams that report them as
 * {@code weft.admin_address}) and serves golden signals and the graph through the API, its client and the dashboard.
 */
class StatsViewsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROUTE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: chat}
            spec:
              parentRefs: [{group: "", kind: Service, name: chat}]
              rules: [{backendRefs: [{name: chat, port: 8001}]}]
            ---
            apiVersion: weft.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: chat-callers}
            spec:
              selector: {service: chat}
              rules: [{from: [{source: {principals: ["*"]}}]}]
            """;

    @TempDir
    Path dataDir;

    private ControlPlane controlPlane;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        // rounds are driven by the test (round()); the interval only sets the first, empty one
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0).withInsecureXds(true)
                .withScrapeInterval(Duration.ofHours(1)).withDashboardPort(0));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        controlPlane.close();
    }

    /** An admin listener serving whatever exposition {@code text} holds at each scrape. */
    private String admin(AtomicReference<String> text) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/stats/prometheus", exchange -> {
            byte[] body = text.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        open.add(() -> server.stop(0));
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void connect(Node node, String adminAddress) {
        Node withAdmin = node.toBuilder().setMetadata(node.getMetadata().toBuilder().putFields("weft.admin_address",
                Value.newBuilder().setStringValue(adminAddress).build())).build();
        open.add(0, AdsTestClient.plaintext(controlPlane.xdsPort(), withAdmin));
    }

    private static String requests(String reporter, String source, String destination, String code, long count,
                                   long fast, long slow) {
        String labels = "reporter=\"%s\",source_workload=\"%s\",source_namespace=\"default\",destination_service=\"%s\","
                .formatted(reporter, source, destination)
                + "destination_namespace=\"default\",destination_version=\"v1\",response_code=\"" + code
                + "\",grpc_response_status=\"\",response_flags=\"-\",route=\"default/chat/rule0/match0\"";
        // fast requests took (5, 10] ms, slow ones (100, 250] ms
        return "weft_requests_total{" + labels + "} " + count + "\n"
                + "weft_request_duration_milliseconds_bucket{" + labels + ",le=\"5\"} 0\n"
                + "weft_request_duration_milliseconds_bucket{" + labels + ",le=\"10\"} " + fast + "\n"
                + "weft_request_duration_milliseconds_bucket{" + labels + ",le=\"100\"} " + fast + "\n"
                + "weft_request_duration_milliseconds_bucket{" + labels + ",le=\"250\"} " + (fast + slow) + "\n"
                + "weft_request_duration_milliseconds_bucket{" + labels + ",le=\"+Inf\"} " + (fast + slow) + "\n";
    }

    @Test
    void goldenSignalsAndTheGraphComeFromTheScrapedProxies() throws Exception {
        // given: chat's sidecar (inbound) and client's sidecar (outbound), each with an admin listener
        AtomicReference<String> chat = new AtomicReference<>(requests("destination", "client", "chat", "200", 0, 0, 0)
                + "weft_certificate_expiry_seconds{secret=\"default\"} 86000\n");
        AtomicReference<String> client = new AtomicReference<>(requests("source", "client", "chat", "200", 0, 0, 0));
        connect(Nodes.sidecar("chat-1", "chat", 15006, 8001, 15001, null, Map.of("version", "v1")), admin(chat));
        connect(Nodes.sidecar("client-1", "client", 0, 0, 15001, null, Map.of()), admin(client));
        await().atMost(Duration.ofSeconds(30)).until(() -> controlPlane.client().proxies().size() == 2);
        controlPlane.client().apply(Yaml.resources(ROUTE), false);
        controlPlane.metricsScraper().round();

        // when: 200 requests go through (one in ten slow, ten of them 503 at chat), and the next round scrapes
        chat.set(requests("destination", "client", "chat", "200", 190, 190, 0)
                + requests("destination", "client", "chat", "503", 10, 0, 10)
                + "weft_certificate_expiry_seconds{secret=\"default\"} 85990\n");
        client.set(requests("source", "client", "chat", "200", 190, 180, 10)
                + requests("source", "client", "chat", "503", 10, 10, 0));
        controlPlane.metricsScraper().round();

        // then: the API's services
        ControlPlaneClient api = controlPlane.client();
        List<ServiceStats> services = api.serviceStats(Duration.ofMinutes(1));
        assertThat(services).extracting(ServiceStats::name).containsExactly("chat", "client");
        ServiceStats chatStats = services.get(0);
        assertThat(chatStats.requests()).isEqualTo(200);
        assertThat(chatStats.rps()).isPositive();
        assertThat(chatStats.successRate()).isCloseTo(0.95, within(1e-9));
        // 190 of 200 in (5, 10] ms: p50 = 5 + 5 * 100/190; the slow 10 are the top 5 %: p99 in (100, 250]
        assertThat(chatStats.p50()).isCloseTo(5 + 5 * 100.0 / 190, within(1e-3));
        assertThat(chatStats.p99()).isCloseTo(100 + 150 * 8.0 / 10, within(1e-3));
        ServiceStats clientStats = services.get(1);
        assertThat(clientStats.requests()).isZero();
        assertThat(clientStats.successRate()).isNull();

        // and the graph: one edge client → chat with the caller's view
        ServiceGraph graph = api.graph(Duration.ofMinutes(1));
        assertThat(graph.nodes()).extracting(ServiceStats::name).containsExactly("chat", "client");
        assertThat(graph.edges()).hasSize(1);
        ServiceGraph.Edge edge = graph.edges().get(0);
        assertThat(edge.source()).isEqualTo("client");
        assertThat(edge.destination()).isEqualTo("chat");
        assertThat(edge.requests()).isEqualTo(200);
        assertThat(edge.successRate()).isCloseTo(0.95, within(1e-9));

        // and the dashboard's page of chat: signals over time, route, policy, proxy with its sync and certificate
        JsonNode page = dashboard("/api/service?namespace=default&name=chat&window=5m");
        assertThat(page.path("signals").path("requests").asLong()).isEqualTo(200);
        assertThat(page.path("series")).isNotEmpty();
        assertThat(page.path("series").get(page.path("series").size() - 1).path("requests").asLong()).isEqualTo(200);
        assertThat(page.path("routes").findValuesAsText("name")).contains("chat");
        assertThat(page.path("policies").findValuesAsText("name")).contains("chat-callers");
        assertThat(page.path("inbound").get(0).path("source").path("name").asText()).isEqualTo("client");
        JsonNode proxy = page.path("proxies").get(0);
        assertThat(proxy.path("id").asText()).isEqualTo("chat-1");
        assertThat(proxy.path("adminAddress").asText()).startsWith("127.0.0.1:");
        assertThat(proxy.path("scrape").path("error").isNull()).isTrue();
        assertThat(proxy.path("certificateExpiresInSeconds").asDouble()).isEqualTo(85990);
        assertThat(proxy.path("types").path("LDS").path("status").asText()).isIn("SYNCED", "STALE");
        assertThat(page.path("instances").get(0).path("health").asText()).isEqualTo("HEALTHY");
    }

    @Test
    void aProxyThatDoesNotAnswerIsReportedAndTheOthersStillCount() throws Exception {
        // given: an admin address where nothing listens
        AtomicReference<String> chat = new AtomicReference<>(requests("destination", "client", "chat", "200", 5, 5, 0));
        connect(Nodes.sidecar("chat-1", "chat", 15006, 8001, 15001, null, Map.of()), admin(chat));
        // nothing listens there (below the ephemeral range, so not the port-0 listener below either)
        String goneAddress = "127.0.0.1:" + Ports.findFree();
        connect(Nodes.sidecar("chat-2", "chat", 15007, 8002, 15002, null, Map.of()), goneAddress);
        // and an admin listener without metrics
        HttpServer noMetrics = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        noMetrics.start();
        open.add(() -> noMetrics.stop(0));
        connect(Nodes.sidecar("chat-3", "chat", 15008, 8003, 15003, null, Map.of()),
                "127.0.0.1:" + noMetrics.getAddress().getPort());
        await().atMost(Duration.ofSeconds(30)).until(() -> controlPlane.client().proxies().size() == 3);

        // when
        controlPlane.metricsScraper().round();
        chat.set(requests("destination", "client", "chat", "200", 25, 25, 0));
        controlPlane.metricsScraper().round();

        // then
        assertThat(controlPlane.metricsScraper().status().get("chat-2").error()).contains("ConnectException");
        assertThat(controlPlane.metricsScraper().status().get("chat-2").lastSuccess()).isNull();
        assertThat(controlPlane.metricsScraper().status().get("chat-3").error())
                .matches("HTTP 404 from http://127\\.0\\.0\\.1:[0-9]+/stats/prometheus");
        assertThat(controlPlane.client().serviceStats(Duration.ofMinutes(1)).get(0).requests()).isEqualTo(20);
    }

    @Test
    void aWindowOutsideTheRetentionIsRefusedNamingTheParameter() {
        assertThatThrownBy(() -> controlPlane.client().serviceStats(Duration.ofHours(1)))
                .isInstanceOf(ControlPlaneException.class)
                .hasMessageContaining("window: must be a duration")
                .hasMessageContaining("at most 15m");
    }

    @Test
    void theDashboardIsReadOnlyAndOnlyForLoopbackNames() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI base = controlPlane.dashboardUri();
        assertThat(base.getHost()).isEqualTo("127.0.0.1");

        HttpResponse<String> page = http.send(HttpRequest.newBuilder(base).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script src=\"app.js\"");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                csp -> assertThat(csp).contains("default-src 'self'"));
        assertThat(page.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        HttpResponse<String> post = http.send(HttpRequest.newBuilder(base.resolve("/api/graph"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);

        // a page of another site that rebinds its name to 127.0.0.1 sends its own name as Host
        assertThat(DashboardHost.status(controlPlane.dashboardUri().getPort(), "evil.example")).isEqualTo(403);
        assertThat(DashboardHost.status(controlPlane.dashboardUri().getPort(), "localhost:1")).isEqualTo(200);
    }

    @Test
    void aTakenDashboardPortStopsTheStartNamingIt() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            ControlPlaneConfig config = ControlPlaneConfig.defaults(dataDir.resolve("second")).withPorts(0, 0)
                    .withInsecureXds(true).withDashboardPort(taken.getLocalPort());
            assertThatThrownBy(() -> ControlPlane.start(config))
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageStartingWith("cannot serve the dashboard on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    private JsonNode dashboard(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(controlPlane.dashboardUri().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** A raw HTTP/1.1 request with a chosen Host header (the JDK client does not let a caller set it). */
    private static final class DashboardHost {
        static int status(int port, String host) throws Exception {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(("GET /api/proxies HTTP/1.1\r\nHost: " + host
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                return Integer.parseInt(statusLine.split(" ")[1]);
            }
        }
    }
}
