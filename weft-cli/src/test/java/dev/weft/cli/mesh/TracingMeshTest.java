package dev.weft.cli.mesh;

import static dev.weft.cli.mesh.MeshFixture.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.proxy.ProxyServer;
import dev.weft.testkit.Ports;
import dev.weft.testkit.Zipkin;
import dev.weft.testkit.modelserver.ModelServer;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distributed tracing end to end against a real Zipkin server: MeshConfig's telemetry.tracing reaches every
 * sidecar over xDS, and one call client app → client's sidecar → chat's sidecar (mTLS) → model server is one
 * trace in Zipkin whose four spans are parented hop by hop, read back through Zipkin's own API.
 */
class TracingMeshTest {
    /**
     * How far the clocks of two sidecar processes may disagree: each anchors nanoTime to the wall clock once, and a
     * loaded machine can pause a process between the two reads (2 ms seen with five builds on two cores).
     */
    private static final long CROSS_PROCESS_SKEW_MICROS = 20_000;
    private static final String CHAT = "http://chat/v1/chat/completions";
    private static final String TRACE = "5b8efff798038103d269b633813fc60c";
    private static final String APP_SPAN = "eee19b7ec3c1b174";

    @TempDir
    Path dir;

    @Test
    void oneCallAcrossTwoSidecarsIsOneTraceWithCorrectlyParentedSpans() throws Exception {
        Files.createDirectories(dir.resolve("zipkin"));
        try (Zipkin zipkin = Zipkin.start(dir.resolve("zipkin"), Duration.ofSeconds(120));
             MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10))) {
            // given: the mesh traces every new request to Zipkin; chat behind its sidecar, a client sidecar
            mesh.apply("""
                    apiVersion: weft.dev/v1alpha1
                    kind: MeshConfig
                    metadata: {name: mesh}
                    spec:
                      telemetry:
                        tracing:
                          samplingPercent: 100
                          zipkin: {endpoint: "%s"}
                    """.formatted(zipkin.spansEndpoint()));
            ModelServer model = mesh.modelServer("v1", "chat-1");
            ProxyServer chat = mesh.serverSidecar("chat", model, "v1");
            int outbound = Ports.findFree();
            ProxyServer client = mesh.clientSidecar("client", outbound, "chat");
            // warm-up calls say "not sampled", so until the route works nothing reaches Zipkin
            await().atMost(BOUND).until(() -> send(outbound, "00-" + "1".repeat(32) + "-" + "2".repeat(16) + "-00")
                    .statusCode() == 200);

            // when: the app, traced itself, calls chat once through its sidecar with its span as the parent
            HttpResponse<String> response = send(outbound, "00-" + TRACE + "-" + APP_SPAN + "-01");
            assertThat(response.statusCode()).isEqualTo(200);

            // then: Zipkin has one trace of four spans, each the child of the one before
            await().atMost(Duration.ofSeconds(60)).until(() -> zipkin.trace(TRACE).size() >= 4);
            JsonNode trace = zipkin.trace(TRACE);
            assertThat(trace).hasSize(4);
            Map<String, JsonNode> byKey = new java.util.HashMap<>();
            for (JsonNode span : trace) {
                assertThat(span.get("traceId").asText()).isEqualTo(TRACE);
                byKey.put(span.get("localEndpoint").get("serviceName").asText() + "/" + span.get("kind").asText(), span);
            }
            assertThat(byKey).containsOnlyKeys("client/SERVER", "client/CLIENT", "chat/SERVER", "chat/CLIENT");
            JsonNode clientServer = byKey.get("client/SERVER");
            JsonNode clientClient = byKey.get("client/CLIENT");
            JsonNode chatServer = byKey.get("chat/SERVER");
            JsonNode chatClient = byKey.get("chat/CLIENT");
            assertThat(clientServer.get("parentId").asText()).isEqualTo(APP_SPAN);
            assertThat(clientClient.get("parentId").asText()).isEqualTo(clientServer.get("id").asText());
            assertThat(chatServer.get("parentId").asText()).isEqualTo(clientClient.get("id").asText());
            assertThat(chatClient.get("parentId").asText()).isEqualTo(chatServer.get("id").asText());
            assertThat(trace).extracting(s -> s.get("id").asText()).doesNotHaveDuplicates();
            // each child lies within its parent
            within(clientClient, clientServer, 0);
            // two processes: their clocks agree only to the microsecond reads that anchor each to the wall clock
            within(chatServer, clientClient, CROSS_PROCESS_SKEW_MICROS);
            within(chatClient, chatServer, 0);
            // standard attributes; the last hop's peer is the model server, the sidecar hop is mTLS
            assertThat(chatClient.get("remoteEndpoint").get("port").asInt()).isEqualTo(model.port());
            assertThat(chatServer.get("tags").get("weft.downstream_peer").asText())
                    .isEqualTo("spiffe://cluster.local/ns/default/sa/client");
            for (JsonNode span : trace) {
                assertThat(span.get("tags").get("http.request.method").asText()).isEqualTo("POST");
                assertThat(span.get("tags").get("url.path").asText()).isEqualTo("/v1/chat/completions");
                assertThat(span.get("tags").get("http.response.status_code").asText()).isEqualTo("200");
                assertThat(span.get("tags").has("error")).isFalse();
            }
            assertThat(clientClient.get("tags").get("upstream_cluster").asText()).startsWith("outbound|chat.default|");

            // and: a call from an app that sends no trace context starts a trace at the client's sidecar
            assertThat(send(outbound, null).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(60)).until(() -> rootTraces(zipkin).size() == 1);
            List<JsonNode> root = rootTraces(zipkin).get(0);
            Map<String, JsonNode> ids = root.stream().collect(Collectors.toMap(s -> s.get("id").asText(),
                    Function.identity()));
            assertThat(root).hasSize(4).allSatisfy(s -> {
                if (s.has("parentId")) {
                    assertThat(ids).containsKey(s.get("parentId").asText());
                }
            });
            assertThat(root).filteredOn(s -> !s.has("parentId")).singleElement()
                    .satisfies(s -> assertThat(s.get("localEndpoint").get("serviceName").asText()).isEqualTo("client"));
            assertThat(client.stats().value("tracing.zipkin.spans_dropped")).isZero();
            assertThat(chat.stats().value("tracing.zipkin.reports_failed")).isZero();
        }
    }

    /** The traces Zipkin holds for the client other than the app-parented one. */
    private static List<List<JsonNode>> rootTraces(Zipkin zipkin) throws Exception {
        List<List<JsonNode>> out = new ArrayList<>();
        for (JsonNode trace : zipkin.traces("client")) {
            if (!trace.get(0).get("traceId").asText().equals(TRACE)) {
                List<JsonNode> spans = new ArrayList<>();
                trace.forEach(spans::add);
                if (spans.size() == 4) {
                    out.add(spans);
                }
            }
        }
        return out;
    }

    /**
     * The child span starts and ends within its parent, give or take {@code skewMicros} (spans of two processes)
     * and the rounding of times to whole microseconds.
     */
    private static void within(JsonNode child, JsonNode parent, long skewMicros) {
        long start = parent.get("timestamp").asLong();
        long end = start + parent.get("duration").asLong();
        assertThat(child.get("timestamp").asLong()).isBetween(start - skewMicros, end + skewMicros);
        assertThat(child.get("timestamp").asLong() + child.get("duration").asLong())
                .isLessThanOrEqualTo(end + 2 + skewMicros);
    }

    private static HttpResponse<String> send(int outboundPort, String traceparent) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outboundPort)))
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(CHAT)).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"chat-sim\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
