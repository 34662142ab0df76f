package dev.weft.proxy.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import dev.weft.proxy.it.Bootstraps;
import dev.weft.proxy.it.ProxyFixture;
import dev.weft.testkit.Ports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy with http_connection_manager.tracing on real sockets: the app behind it sees the propagated context,
 * and a collector on loopback receives SERVER and CLIENT spans parented as the headers say.
 */
class TracerProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    private HttpServer app;
    private HttpServer collector;
    private final List<Headers> appSaw = new CopyOnWriteArrayList<>();
    private final List<JsonNode> reports = new CopyOnWriteArrayList<>();
    private final List<String> reportPaths = new CopyOnWriteArrayList<>();
    private final AtomicInteger failFirst = new AtomicInteger();
    private ProxyFixture proxy;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws IOException {
        app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        app.createContext("/", ex -> {
            appSaw.add(ex.getRequestHeaders());
            ex.getRequestBody().readAllBytes();
            int status = failFirst.getAndDecrement() > 0 ? 503 : 200;
            byte[] body = "ok".getBytes();
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        app.start();
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/", ex -> {
            reportPaths.add(ex.getRequestURI().getPath() + " " + ex.getRequestHeaders().getFirst("Host"));
            reports.add(JSON.readTree(ex.getRequestBody().readAllBytes()));
            ex.sendResponseHeaders(202, -1);
            ex.close();
        });
        collector.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        app.stop(0);
        collector.stop(0);
    }

    private void startProxy(double sampling, String provider) throws Exception {
        startProxy(sampling, provider, collector.getAddress().getPort());
    }

    private void startProxy(double sampling, String provider, int collectorPort) throws Exception {
        String tracing = "tracing:\n  random_sampling: {value: " + sampling + "}\n  provider:\n" + provider.indent(4);
        String yaml = Bootstraps.of(Bootstraps.routeTo("app", "retry_policy: {retry_on: 5xx, num_retries: 1}\n"),
                Bootstraps.cluster("app", false, "", app.getAddress().getPort())
                        + Bootstraps.cluster("collector", false, "", collectorPort), tracing);
        proxy = ProxyFixture.start(yaml);
    }

    private static String zipkin() {
        return """
                name: envoy.tracers.zipkin
                typed_config:
                  "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
                  collector_cluster: collector
                  collector_endpoint: /api/v2/spans
                  collector_endpoint_version: HTTP_JSON
                  trace_id_128bit: true
                """;
    }

    private int get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(proxy.uri(path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), BodyHandlers.ofString()).statusCode();
    }

    /** Every span the collector received so far, once {@code n} have arrived. */
    private List<JsonNode> zipkinSpans(int n) {
        await().atMost(Duration.ofSeconds(15)).until(() -> reports.stream().mapToInt(JsonNode::size).sum() >= n);
        List<JsonNode> spans = new ArrayList<>();
        reports.forEach(r -> r.forEach(spans::add));
        return spans;
    }

    private static JsonNode kind(List<JsonNode> spans, String kind) {
        return spans.stream().filter(s -> s.get("kind").asText().equals(kind)).findFirst().orElseThrow();
    }

    @Test
    void aNewTraceGetsAServerSpanAndAChildClientSpanWhoseContextTheAppReceives() throws Exception {
        startProxy(100, zipkin());

        assertThat(get("/chat?q=1", "User-Agent", "test-client")).isEqualTo(200);

        List<JsonNode> spans = zipkinSpans(2);
        assertThat(spans).hasSize(2);
        JsonNode server = kind(spans, "SERVER");
        JsonNode clientSpan = kind(spans, "CLIENT");
        assertThat(server.has("parentId")).isFalse();
        assertThat(server.get("traceId").asText()).hasSize(32).isEqualTo(clientSpan.get("traceId").asText());
        assertThat(clientSpan.get("parentId").asText()).isEqualTo(server.get("id").asText());
        String tp = appSaw.get(0).getFirst("traceparent");
        assertThat(tp).isEqualTo("00-" + server.get("traceId").asText() + "-" + clientSpan.get("id").asText() + "-01");
        assertThat(appSaw.get(0).getFirst("x-b3-spanid")).isEqualTo(clientSpan.get("id").asText());
        assertThat(appSaw.get(0).getFirst("x-b3-parentspanid")).isEqualTo(server.get("id").asText());
        assertThat(appSaw.get(0).getFirst("x-b3-sampled")).isEqualTo("1");

        JsonNode tags = server.get("tags");
        assertThat(tags.get("http.request.method").asText()).isEqualTo("GET");
        assertThat(tags.get("url.path").asText()).isEqualTo("/chat");
        assertThat(tags.get("http.response.status_code").asText()).isEqualTo("200");
        assertThat(tags.get("server.address").asText()).isEqualTo("127.0.0.1");
        assertThat(tags.get("network.peer.address").asText()).isEqualTo("127.0.0.1");
        assertThat(tags.get("upstream_cluster").asText()).isEqualTo("app");
        assertThat(tags.get("user_agent.original").asText()).isEqualTo("test-client");
        assertThat(tags.has("error")).isFalse();
        assertThat(clientSpan.get("remoteEndpoint").get("port").asInt()).isEqualTo(app.getAddress().getPort());
        assertThat(clientSpan.get("tags").get("weft.attempt").asText()).isEqualTo("1");
        // the client span lies within the server span
        long sStart = server.get("timestamp").asLong();
        long cStart = clientSpan.get("timestamp").asLong();
        assertThat(cStart).isBetween(sStart, sStart + server.get("duration").asLong());
        assertThat(reportPaths).allMatch(p -> p.equals("/api/v2/spans collector"));
        // the collector has the spans before the proxy has read its answer and counted them
        await().atMost(Duration.ofSeconds(15)).until(() -> proxy.stat("tracing.zipkin.spans_sent") == 2);
    }

    @Test
    void anIncomingSampledTraceparentIsContinuedAndTracestateKept() throws Exception {
        startProxy(0, zipkin());

        assertThat(get("/", "traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01", "tracestate", "congo=t61rcWkgMzE"))
                .isEqualTo(200);

        List<JsonNode> spans = zipkinSpans(2);
        JsonNode server = kind(spans, "SERVER");
        assertThat(server.get("traceId").asText()).isEqualTo(TRACE);
        assertThat(server.get("parentId").asText()).isEqualTo("00f067aa0ba902b7");
        assertThat(appSaw.get(0).getFirst("tracestate")).isEqualTo("congo=t61rcWkgMzE");
        assertThat(appSaw.get(0).getFirst("traceparent")).startsWith("00-" + TRACE + "-")
                .doesNotContain("00f067aa0ba902b7").endsWith("-01");
    }

    @Test
    void b3MultiIsContinuedToo() throws Exception {
        startProxy(0, zipkin());

        assertThat(get("/", "X-B3-TraceId", "48485a3953bb6124", "X-B3-SpanId", "a2fb4a1d1a96d312", "X-B3-Sampled", "1"))
                .isEqualTo(200);

        JsonNode server = kind(zipkinSpans(2), "SERVER");
        assertThat(server.get("traceId").asText()).isEqualTo("48485a3953bb6124");
        assertThat(server.get("parentId").asText()).isEqualTo("a2fb4a1d1a96d312");
        assertThat(appSaw.get(0).getFirst("x-b3-traceid")).isEqualTo("48485a3953bb6124");
    }

    @Test
    void anUnsampledRequestExportsNothingAndPassesTheDecisionOn() throws Exception {
        startProxy(0, zipkin());

        assertThat(get("/")).isEqualTo(200);
        assertThat(get("/", "traceparent", "00-" + TRACE + "-00f067aa0ba902b7-00")).isEqualTo(200);
        assertThat(get("/", "traceparent", "garbage", "b3", "also-garbage")).isEqualTo(200);

        assertThat(appSaw.get(0).getFirst("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
        assertThat(appSaw.get(0).getFirst("x-b3-sampled")).isEqualTo("0");
        // an explicit decision travels as it came
        assertThat(appSaw.get(1).getFirst("traceparent")).isEqualTo("00-" + TRACE + "-00f067aa0ba902b7-00");
        // malformed headers are replaced by a valid unsampled context
        assertThat(appSaw.get(2).getFirst("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
        assertThat(appSaw.get(2).getFirst("b3")).matches("[0-9a-f]{32}-[0-9a-f]{16}-0");
        // a sampled request after them is the first thing the collector gets
        assertThat(get("/", "b3", "1")).isEqualTo(200);
        assertThat(zipkinSpans(2)).hasSize(2);
        // the collector has the spans before the proxy has read its answer and counted them
        await().atMost(Duration.ofSeconds(15)).until(() -> proxy.stat("tracing.zipkin.spans_sent") == 2);
    }

    @Test
    void eachRetryIsItsOwnClientSpanWithItsOwnContext() throws Exception {
        startProxy(100, zipkin());
        failFirst.set(1);

        assertThat(get("/")).isEqualTo(200);

        List<JsonNode> spans = zipkinSpans(3);
        assertThat(spans).hasSize(3);
        JsonNode server = kind(spans, "SERVER");
        List<JsonNode> clients = spans.stream().filter(s -> s.get("kind").asText().equals("CLIENT"))
                .sorted((a, b) -> a.get("tags").get("weft.attempt").asText().compareTo(b.get("tags").get("weft.attempt").asText()))
                .toList();
        assertThat(clients).extracting(c -> c.get("parentId").asText()).containsOnly(server.get("id").asText());
        assertThat(clients.get(0).get("tags").get("error").asText()).isEqualTo("retried");
        assertThat(clients.get(1).get("tags").has("error")).isFalse();
        assertThat(appSaw).hasSize(2);
        assertThat(appSaw.get(0).getFirst("x-b3-spanid")).isEqualTo(clients.get(0).get("id").asText());
        assertThat(appSaw.get(1).getFirst("x-b3-spanid")).isEqualTo(clients.get(1).get("id").asText());
        assertThat(server.get("tags").get("weft.upstream_attempts").asText()).isEqualTo("2");
    }

    @Test
    void aLocalReplyIsAFailedServerSpanWithItsErrorCode() throws Exception {
        String yaml = Bootstraps.of("- match: {prefix: \"/only\"}\n  route: {cluster: app}\n",
                Bootstraps.cluster("app", false, "", app.getAddress().getPort())
                        + Bootstraps.cluster("collector", false, "", collector.getAddress().getPort()),
                "tracing:\n  provider:\n" + zipkin().indent(4));
        proxy = ProxyFixture.start(yaml);

        assertThat(get("/elsewhere")).isEqualTo(404);

        JsonNode server = zipkinSpans(1).get(0);
        assertThat(server.get("kind").asText()).isEqualTo("SERVER");
        assertThat(server.get("tags").get("weft.error").asText()).isEqualTo("no_route");
        assertThat(server.get("tags").get("error").asText()).isEqualTo("no_route");
    }

    @Test
    void otlpReportsGoToV1Traces() throws Exception {
        startProxy(100, """
                name: envoy.tracers.opentelemetry
                typed_config:
                  "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                  service_name: edge
                  http_service:
                    http_uri: {uri: "http://otel.example:4318/v1/traces", cluster: collector, timeout: 2s}
                """);

        assertThat(get("/")).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).until(() -> !reports.isEmpty());
        assertThat(reportPaths).containsExactly("/v1/traces otel.example:4318");
        JsonNode rs = reports.get(0).get("resourceSpans").get(0);
        assertThat(rs.get("resource").get("attributes").get(0).get("value").get("stringValue").asText()).isEqualTo("edge");
        JsonNode spans = rs.get("scopeSpans").get(0).get("spans");
        assertThat(spans).hasSize(2);
        assertThat(spans).extracting(s -> s.get("kind").asInt()).containsExactlyInAnyOrder(2, 3);
    }

    @Test
    void anUnreachableCollectorCostsReportsNotRequests() throws Exception {
        // nothing listens there (below the ephemeral range, so not even the proxy's own port-0 listener)
        startProxy(100, zipkin(), Ports.findFree());

        for (int i = 0; i < 5; i++) {
            assertThat(get("/")).isEqualTo(200);
        }

        await().atMost(Duration.ofSeconds(15)).until(() -> proxy.stat("tracing.zipkin.spans_failed") == 10);
        assertThat(proxy.stat("tracing.zipkin.reports_failed")).isPositive();
        assertThat(proxy.stat("tracing.zipkin.spans_sent")).isZero();
    }
}
