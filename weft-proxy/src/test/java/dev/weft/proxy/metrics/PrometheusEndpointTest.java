package dev.weft.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.proxy.it.Bootstraps;
import dev.weft.proxy.it.ProxyFixture;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import dev.weft.testkit.Processes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy in front of a simulated model server: what the client sent and got back is what /stats/prometheus
 * shows, labelled by the node, the cluster's and endpoint's metadata, the status, the error and the route; the
 * model usage of JSON and streamed responses adds up; both exposition formats come out.
 */
class PrometheusEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final String SOURCE = "reporter=\"source\",source_workload=\"web\",source_namespace=\"ml\","
            + "source_principal=\"unknown\",";
    private static final String TO_CHAT = SOURCE + "destination_service=\"chat\",destination_workload=\"chat-v1\","
            + "destination_namespace=\"ml\",destination_version=\"v1\",";

    private ModelServer model;
    private ProxyFixture proxy;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        model = ModelServer.start(ModelServerConfig.builder().model("llama-3-8b").timeToFirstToken(Duration.ofMillis(20))
                .tokensPerSecond(500).responseTokens(6).build());
        String cluster = Bootstraps.cluster("chat", false,
                "metadata: {filter_metadata: {weft: {service: chat, namespace: ml}}}", model.port())
                .replace("port_value: " + model.port() + "}}}",
                        "port_value: " + model.port() + "}}}\n        metadata: {filter_metadata: {weft: {workload: chat-v1, version: v1}}}");
        String yaml = "node: {id: web-1, metadata: {weft.service: web, weft.namespace: ml, weft.labels: {version: v7}}}\n"
                + Bootstraps.of("""
                        - name: chat
                          match: {prefix: "/v1/"}
                          route: {cluster: chat}
                        - name: status
                          match: {prefix: "/status/"}
                          route: {cluster: chat}
                        """, cluster)
                .replace("    filter_chains:", "    traffic_direction: OUTBOUND\n    filter_chains:");
        proxy = ProxyFixture.start(yaml);
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (model != null) {
            model.close();
        }
    }

    @Test
    void whatWasSentIsWhatTheMetricsSay() throws Exception {
        long requestBytes = 0;
        long responseBytes = 0;
        long inputTokens = 0;
        long outputTokens = 0;
        for (int i = 0; i < 5; i++) {
            String body = "{\"model\":\"llama-3-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"hello " + i + "\"}]}";
            HttpResponse<String> r = post("/v1/chat/completions", body);
            assertThat(r.statusCode()).isEqualTo(200);
            requestBytes += body.getBytes(StandardCharsets.UTF_8).length;
            responseBytes += r.body().getBytes(StandardCharsets.UTF_8).length;
            JsonNode usage = JSON.readTree(r.body()).path("usage");
            inputTokens += usage.path("prompt_tokens").asLong();
            outputTokens += usage.path("completion_tokens").asLong();
        }
        for (int i = 0; i < 3; i++) {
            String body = "{\"model\":\"llama-3-8b\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"tell me "
                    + "x ".repeat(i * 10) + "\"}]}";
            HttpResponse<String> r = post("/v1/chat/completions", body);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            requestBytes += body.getBytes(StandardCharsets.UTF_8).length;
            responseBytes += r.body().getBytes(StandardCharsets.UTF_8).length;
            String usageLine = r.body().lines().filter(l -> l.contains("\"usage\"")).findFirst().orElseThrow();
            JsonNode usage = JSON.readTree(usageLine.substring("data:".length())).path("usage");
            inputTokens += usage.path("prompt_tokens").asLong();
            outputTokens += usage.path("completion_tokens").asLong();
        }
        for (int i = 0; i < 2; i++) {
            assertThat(get("/status/503").statusCode()).isEqualTo(503);
        }
        assertThat(get("/nowhere").statusCode()).isEqualTo(404);

        // the exchanges are recorded when they complete, which may be just after the client has the response
        await().atMost(Duration.ofSeconds(10)).until(() -> scrape().getOrDefault(
                "weft_requests_total{" + TO_CHAT + "response_code=\"200\",grpc_response_status=\"-\",response_flags=\"-\",route=\"chat\"}",
                0.0) == 8.0 && scrape().containsKey("weft_requests_total{" + SOURCE + "destination_service=\"unknown\","
                + "destination_workload=\"unknown\",destination_namespace=\"unknown\",destination_version=\"unknown\","
                + "response_code=\"404\",grpc_response_status=\"-\",response_flags=\"no_route\",route=\"-\"}"));
        Map<String, Double> m = scrape();

        String ok = TO_CHAT + "response_code=\"200\",grpc_response_status=\"-\",response_flags=\"-\",route=\"chat\"";
        assertThat(m).containsEntry("weft_requests_total{" + ok + "}", 8.0)
                .containsEntry("weft_request_duration_milliseconds_count{" + ok + "}", 8.0)
                .containsEntry("weft_request_bytes_sum{" + ok + "}", (double) requestBytes)
                .containsEntry("weft_response_bytes_sum{" + ok + "}", (double) responseBytes)
                .containsEntry("weft_requests_total{" + TO_CHAT
                        + "response_code=\"503\",grpc_response_status=\"-\",response_flags=\"-\",route=\"status\"}", 2.0)
                .containsEntry("weft_requests_total{" + SOURCE + "destination_service=\"unknown\","
                        + "destination_workload=\"unknown\",destination_namespace=\"unknown\",destination_version=\"unknown\","
                        + "response_code=\"404\",grpc_response_status=\"-\",response_flags=\"no_route\",route=\"-\"}", 1.0);
        // every request took at least the model's time to first token, none more than a minute
        assertThat(m.get("weft_request_duration_milliseconds_bucket{" + ok + ",le=\"10.0\"}")).isZero();
        assertThat(m.get("weft_request_duration_milliseconds_bucket{" + ok + ",le=\"60000.0\"}")).isEqualTo(8.0);
        assertThat(m.get("weft_request_duration_milliseconds_sum{" + ok + "}")).isGreaterThanOrEqualTo(8 * 20.0);

        String ai = "gen_ai_operation_name=\"chat\",gen_ai_request_model=\"llama-3-8b\","
                + "gen_ai_response_model=\"llama-3-8b\",destination_service=\"chat\",reporter=\"source\"";
        assertThat(m).containsEntry("weft_gen_ai_input_tokens_total{" + ai + "}", (double) inputTokens)
                .containsEntry("weft_gen_ai_output_tokens_total{" + ai + "}", (double) outputTokens)
                .containsEntry("gen_ai_client_token_usage_count{" + ai + ",gen_ai_token_type=\"input\"}", 8.0)
                .containsEntry("gen_ai_client_token_usage_sum{" + ai + ",gen_ai_token_type=\"output\"}", (double) outputTokens)
                .containsEntry("gen_ai_server_time_to_first_token_seconds_count{" + ai + "}", 3.0)
                .containsEntry("gen_ai_server_time_per_output_token_seconds_count{" + ai + "}", 3.0);
        // 20 ms to the first token at least; then 500 tokens/s, so about 2 ms per token
        assertThat(m.get("gen_ai_server_time_to_first_token_seconds_bucket{" + ai + ",le=\"0.01\"}")).isZero();
        assertThat(m.get("gen_ai_server_time_per_output_token_seconds_sum{" + ai + "}") / 3).isBetween(0.0005, 0.5);

        // the Envoy-style stats, tags as labels
        assertThat(m).containsEntry("weft_cluster_upstream_rq_total{cluster_name=\"chat\"}", 10.0)
                .containsEntry("weft_cluster_upstream_rq_2xx_total{cluster_name=\"chat\"}", 8.0)
                .containsEntry("weft_http_downstream_rq_total{http_conn_manager_prefix=\"main\"}", 11.0)
                .containsEntry("weft_http_downstream_rq_active{http_conn_manager_prefix=\"main\"}", 0.0)
                .containsEntry("weft_cluster_endpoints{cluster_name=\"chat\",health=\"healthy\"}", 1.0)
                .containsEntry("weft_metrics_overflow_total{metric=\"weft_requests_total\"}", 0.0);
    }

    @Test
    void openMetricsWhenAskedFor() throws Exception {
        assertThat(get("/status/200").statusCode()).isEqualTo(200);
        HttpResponse<String> text = client.send(HttpRequest.newBuilder(proxy.adminUri("/stats/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(text.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(text.body()).contains("# TYPE weft_requests_total counter\n").doesNotContain("# EOF");
        Path file = Path.of("target", "prometheus-exposition.txt");
        Files.writeString(file, text.body());
        if (Files.isExecutable(PROMTOOL) || System.getenv("WEFT_CI") != null || System.getenv("CI") != null) {
            // Prometheus's own linter: the text parses, and the one complaint is the Istio name the mesh keeps
            Processes.Result lint = Processes.run(Duration.ofSeconds(30),
                    List.of("sh", "-c", PROMTOOL + " check metrics < " + file.toAbsolutePath()));
            assertThat(lint.stdout() + lint.stderr()).isEqualToIgnoringNewLines(
                    "weft_request_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\"");
        }

        HttpResponse<String> om = client.send(HttpRequest.newBuilder(proxy.adminUri("/stats/prometheus"))
                .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(om.headers().firstValue("content-type"))
                .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(om.body()).contains("# TYPE weft_requests counter\n").contains("\nweft_requests_total{")
                .contains("# TYPE weft_request_duration_milliseconds histogram\n").endsWith("\n# EOF\n");
        // each family once, its samples together
        assertThat(om.body().lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]))
                .doesNotHaveDuplicates();
    }

    @Test
    void tcpBytesAndConnectionsAreCountedAsTheSocketsSawThem() throws Exception {
        byte[] request = "GET /status/200 HTTP/1.1\r\nHost: models\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] response;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.port())) {
            s.getOutputStream().write(request);
            s.setSoTimeout(10_000);
            response = s.getInputStream().readAllBytes();
        }
        assertThat(new String(response, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scrape())
                .containsEntry("weft_listener_downstream_cx_rx_bytes_total{listener=\"main\"}", (double) request.length)
                .containsEntry("weft_listener_downstream_cx_tx_bytes_total{listener=\"main\"}", (double) response.length)
                .containsEntry("weft_http_downstream_cx_total{http_conn_manager_prefix=\"main\"}", 1.0)
                .containsEntry("weft_http_downstream_cx_destroy_total{http_conn_manager_prefix=\"main\"}", 1.0)
                .containsEntry("weft_http_downstream_cx_active{http_conn_manager_prefix=\"main\"}", 0.0));
        Map<String, Double> m = scrape();
        // upstream: one pooled connection, which carried a request (with the proxy's own headers) and the response
        assertThat(m).containsEntry("weft_cluster_upstream_cx_total{cluster_name=\"chat\"}", 1.0)
                .containsEntry("weft_cluster_upstream_cx_active{cluster_name=\"chat\"}", 1.0)
                .containsEntry("weft_cluster_upstream_cx_destroy_total{cluster_name=\"chat\"}", 0.0);
        assertThat(m.get("weft_cluster_upstream_cx_tx_bytes_total{cluster_name=\"chat\"}")).isGreaterThan(request.length - 30.0);
        assertThat(m.get("weft_cluster_upstream_cx_rx_bytes_total{cluster_name=\"chat\"}")).isGreaterThan(response.length - 30.0);
    }

    @Test
    void aRequestPipelinedBehindAScrapeIsAnsweredAfterIt() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.adminPort())) {
            s.getOutputStream().write(("GET /stats/prometheus HTTP/1.1\r\nHost: admin\r\n\r\n"
                    + "GET /ready HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(10_000);
            String both = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(both).startsWith("HTTP/1.1 200 OK");
            int second = both.indexOf("HTTP/1.1 200 OK", 1);
            assertThat(both.substring(0, second)).contains("# TYPE weft_requests_total counter");
            assertThat(both.substring(second)).endsWith("LIVE\n");
        }
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.uri(path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The text exposition as series → value. */
    private Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.adminUri("/stats/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return parse(r.body());
    }

    static Map<String, Double> parse(String exposition) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }
}
