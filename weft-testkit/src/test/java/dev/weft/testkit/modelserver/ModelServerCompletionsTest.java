package dev.weft.testkit.modelserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible endpoints of {@link ModelServer} over real sockets, with the JDK's HTTP client. */
class ModelServerCompletionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpClient client;

    @BeforeAll
    static void createClient() {
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void closeClient() {
        client = null;
    }

    @Test
    void chatCompletionAnswersWithOpenAiShapeAndUsage() throws Exception {
        // given
        ModelServerConfig config = ModelServerConfig.builder().model("llama-sim").version("v7")
                .instanceId("pod-a").responseTokens(12).build();
        try (ModelServer server = ModelServer.start(config)) {
            // when
            HttpResponse<String> response = post(server, "/v1/chat/completions",
                    "{\"model\":\"llama-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"say three words\"}]}");

            // then
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("x-model-server-instance")).hasValue("pod-a");
            assertThat(response.headers().firstValue("x-model-version")).hasValue("v7");
            assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.path("id").asText()).startsWith("chatcmpl-");
            assertThat(body.path("object").asText()).isEqualTo("chat.completion");
            assertThat(body.path("model").asText()).isEqualTo("llama-sim");
            JsonNode choice = body.path("choices").path(0);
            assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
            assertThat(choice.path("message").path("content").asText().split(" ")).hasSize(12);
            assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
            assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
            assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(12);
            assertThat(body.path("usage").path("total_tokens").asInt()).isEqualTo(15);
            assertThat(server.requestCount("/v1/chat/completions")).isEqualTo(1);
            assertThat(server.responseCount("/v1/chat/completions", 200)).isEqualTo(1);
            assertThat(server.tokensGenerated()).isEqualTo(12);
        }
    }

    @Test
    void textCompletionHonoursMaxTokensUpToTheCap() throws Exception {
        // given
        ModelServerConfig config = ModelServerConfig.builder().responseTokens(4).maxResponseTokens(20).build();
        try (ModelServer server = ModelServer.start(config)) {
            // when: no model named, max_tokens within and beyond the cap
            JsonNode within = JSON.readTree(post(server, "/v1/completions",
                    "{\"prompt\":\"once upon a time\",\"max_tokens\":7}").body());
            JsonNode capped = JSON.readTree(post(server, "/v1/completions",
                    "{\"prompt\":[\"a b\",\"c\"],\"max_completion_tokens\":500}").body());

            // then
            assertThat(within.path("object").asText()).isEqualTo("text_completion");
            assertThat(within.path("model").asText()).isEqualTo("weft-sim");
            assertThat(within.path("choices").path(0).path("text").asText().split(" ")).hasSize(7);
            assertThat(within.path("choices").path(0).path("finish_reason").asText()).isEqualTo("length");
            assertThat(within.path("usage").path("prompt_tokens").asInt()).isEqualTo(4);
            assertThat(capped.path("usage").path("completion_tokens").asInt()).isEqualTo(20);
            assertThat(capped.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
        }
    }

    @Test
    void streamingSendsOneEventPerTokenPacedByTtftAndTokensPerSecond() throws Exception {
        // given: first token after 300 ms, then one every 100 ms
        ModelServerConfig config = ModelServerConfig.builder()
                .timeToFirstToken(Duration.ofMillis(300)).tokensPerSecond(10).build();
        try (ModelServer server = ModelServer.start(config)) {
            HttpRequest request = HttpRequest.newBuilder(server.uri("/v1/chat/completions"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true,\"max_tokens\":5,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}"))
                    .build();

            // when
            long sent = System.nanoTime();
            HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
            List<String> events = new ArrayList<>();
            List<Long> arrivalsMillis = new ArrayList<>();
            try (Stream<String> lines = response.body()) {
                Iterator<String> it = lines.iterator();
                while (it.hasNext()) {
                    String line = it.next();
                    if (line.startsWith("data: ")) {
                        events.add(line.substring("data: ".length()));
                        arrivalsMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
                    }
                }
            }

            // then: 5 token chunks, a finish chunk, a usage chunk, [DONE]
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
            assertThat(response.headers().firstValue("x-model-server-instance")).hasValue(config.instanceId());
            assertThat(events).hasSize(8);
            assertThat(events.get(7)).isEqualTo("[DONE]");
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                JsonNode chunk = JSON.readTree(events.get(i));
                assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
                assertThat(chunk.path("choices").path(0).path("finish_reason").isNull()).isTrue();
                text.append(chunk.path("choices").path(0).path("delta").path("content").asText());
            }
            assertThat(JSON.readTree(events.get(0)).path("choices").path(0).path("delta").path("role").asText())
                    .isEqualTo("assistant");
            assertThat(text.toString().split(" ")).hasSize(5);
            assertThat(JSON.readTree(events.get(5)).path("choices").path(0).path("finish_reason").asText())
                    .isEqualTo("length");
            JsonNode usage = JSON.readTree(events.get(6));
            assertThat(usage.path("choices")).isEmpty();
            assertThat(usage.path("usage").path("prompt_tokens").asInt()).isEqualTo(2);
            assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(5);
            assertThat(usage.path("usage").path("total_tokens").asInt()).isEqualTo(7);
            // The first token cannot come before the TTFT, the last not before TTFT + 4 intervals, and the
            // first arrives well before the server has produced the last.
            assertThat(arrivalsMillis.get(0)).isGreaterThanOrEqualTo(300);
            assertThat(arrivalsMillis.get(4)).isGreaterThanOrEqualTo(700);
            assertThat(arrivalsMillis.get(4) - arrivalsMillis.get(0)).isGreaterThanOrEqualTo(200);
            assertThat(server.tokensGenerated()).isEqualTo(5);
        }
    }

    @Test
    void nonStreamingResponseWaitsForExtraLatencyTtftAndAllTokens() throws Exception {
        // given: 100 ms extra + 100 ms TTFT + 4 more tokens at 20/s = 400 ms at least
        ModelServerConfig config = ModelServerConfig.builder().extraLatency(Duration.ofMillis(100))
                .timeToFirstToken(Duration.ofMillis(100)).tokensPerSecond(20).responseTokens(5).build();
        try (ModelServer server = ModelServer.start(config)) {
            // when
            long start = System.nanoTime();
            HttpResponse<String> response = post(server, "/v1/chat/completions",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");

            // then
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(400);
        }
    }

    @Test
    void unknownModelIsAnOpenAiStyle404() throws Exception {
        try (ModelServer server = ModelServer.start(ModelServerConfig.builder().model("m1").build())) {
            // when
            HttpResponse<String> response = post(server, "/v1/chat/completions",
                    "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");

            // then
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.headers().firstValue("x-model-server-instance")).isPresent();
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("model_not_found");
            assertThat(error.path("param").asText()).isEqualTo("model");
            assertThat(error.path("message").asText()).contains("gpt-9");
            assertThat(server.tokensGenerated()).isZero();
        }
    }

    @Test
    void invalidRequestsAre400WithTheOffendingParameter() throws Exception {
        try (ModelServer server = ModelServer.start(ModelServerConfig.defaults())) {
            // when
            HttpResponse<String> notJson = post(server, "/v1/chat/completions", "{\"messages\": [");
            HttpResponse<String> noMessages = post(server, "/v1/chat/completions", "{\"model\":\"weft-sim\"}");
            HttpResponse<String> badMax = post(server, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":0}");
            HttpResponse<String> badStream = post(server, "/v1/completions", "{\"prompt\":\"x\",\"stream\":\"yes\"}");

            // then
            assertThat(notJson.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(notJson.body()).path("error").path("code").asText()).isEqualTo("invalid_json");
            assertThat(noMessages.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(noMessages.body()).path("error").path("param").asText()).isEqualTo("messages");
            assertThat(JSON.readTree(badMax.body()).path("error").path("param").asText()).isEqualTo("max_tokens");
            assertThat(JSON.readTree(badStream.body()).path("error").path("param").asText()).isEqualTo("stream");
            assertThat(server.responseCount(400)).isEqualTo(4);
        }
    }

    @Test
    void errorRateOneFailsEveryCompletionWith500() throws Exception {
        try (ModelServer server = ModelServer.start(ModelServerConfig.builder().errorRate(1.0).build())) {
            // when
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> response = post(server, "/v1/completions", "{\"prompt\":\"x\"}");
                statuses.add(response.statusCode());
                assertThat(JSON.readTree(response.body()).path("error").path("type").asText()).isEqualTo("server_error");
            }

            // then
            assertThat(statuses).containsOnly(500);
            assertThat(server.responseCount("/v1/completions", 500)).isEqualTo(5);
            assertThat(get(server, "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void concurrencyLimitQueuesRequestsInArrivalOrder() throws Exception {
        // given: one slot, each request holds it for 400 ms
        ModelServerConfig config = ModelServerConfig.builder().maxConcurrency(1)
                .timeToFirstToken(Duration.ofMillis(400)).responseTokens(1).build();
        try (ModelServer server = ModelServer.start(config)) {
            long start = System.nanoTime();
            List<CompletableFuture<Long>> done = new ArrayList<>();

            // when: three requests at once
            for (int i = 0; i < 3; i++) {
                done.add(client.sendAsync(completionRequest(server), HttpResponse.BodyHandlers.ofString())
                        .thenApply(r -> {
                            assertThat(r.statusCode()).isEqualTo(200);
                            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                        }));
            }

            // then: one runs, two wait; they finish one after the other
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> server.inFlight() == 3 && server.queued() == 2);
            List<Long> finished = new ArrayList<>();
            for (CompletableFuture<Long> f : done) {
                finished.add(f.get(10, TimeUnit.SECONDS));
            }
            finished.sort(null);
            assertThat(finished.get(0)).isGreaterThanOrEqualTo(400);
            assertThat(finished.get(1)).isGreaterThanOrEqualTo(800);
            assertThat(finished.get(2)).isGreaterThanOrEqualTo(1200);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.inFlight() == 0);
            assertThat(server.queued()).isZero();
        }
    }

    @Test
    void fullQueueAnswers429() throws Exception {
        // given: one slot and room for one waiter
        ModelServerConfig config = ModelServerConfig.builder().maxConcurrency(1).maxQueue(1)
                .timeToFirstToken(Duration.ofMillis(500)).responseTokens(1).build();
        try (ModelServer server = ModelServer.start(config)) {
            CompletableFuture<HttpResponse<String>> first =
                    client.sendAsync(completionRequest(server), HttpResponse.BodyHandlers.ofString());
            CompletableFuture<HttpResponse<String>> second =
                    client.sendAsync(completionRequest(server), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> server.queued() == 1);

            // when
            HttpResponse<String> third = client.send(completionRequest(server), HttpResponse.BodyHandlers.ofString());

            // then
            assertThat(third.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(third.body()).path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
            assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(second.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void modelsHealthAndMetricsDescribeTheServer() throws Exception {
        ModelServerConfig config = ModelServerConfig.builder().model("mistral-sim").version("canary")
                .instanceId("pod-b").build();
        try (ModelServer server = ModelServer.start(config)) {
            post(server, "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
            post(server, "/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}");

            // when
            HttpResponse<String> models = get(server, "/v1/models");
            HttpResponse<String> health = get(server, "/health");
            HttpResponse<String> metrics = get(server, "/metrics");

            // then
            assertThat(JSON.readTree(models.body()).path("data").path(0).path("id").asText()).isEqualTo("mistral-sim");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok");
            assertThat(health.headers().firstValue("x-model-version")).hasValue("canary");
            assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
            assertThat(metrics.body())
                    .contains("model_server_info{model=\"mistral-sim\",version=\"canary\",instance_id=\"pod-b\"} 1")
                    .contains("model_server_requests_total{path=\"/v1/chat/completions\",status=\"200\"} 1")
                    .contains("model_server_requests_total{path=\"/v1/chat/completions\",status=\"404\"} 1")
                    .contains("model_server_requests_total{path=\"/health\",status=\"200\"} 1")
                    .contains("model_server_tokens_generated_total 16")
                    // the /metrics request itself is in flight while it renders
                    .contains("model_server_in_flight_requests 1");
            assertThat(server.requestCount()).isEqualTo(5);
        }
    }

    @Test
    void keepAliveConnectionServesManyRequests() throws Exception {
        try (ModelServer server = ModelServer.start(ModelServerConfig.defaults())) {
            // when: sequential requests from one client reuse its pooled connection
            for (int i = 0; i < 20; i++) {
                assertThat(post(server, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":1}").statusCode())
                        .isEqualTo(200);
            }

            // then
            assertThat(server.requestCount("/v1/completions")).isEqualTo(20);
            // the server counts an exchange done just after it issues the last write, which the
            // client may already have read
            await().atMost(Duration.ofSeconds(5)).until(() -> server.inFlight() == 0);
        }
    }

    @Test
    void wrongMethodAndUnknownPathAreAnswered() throws Exception {
        try (ModelServer server = ModelServer.start(ModelServerConfig.defaults())) {
            assertThat(get(server, "/v1/chat/completions").statusCode()).isEqualTo(405);
            HttpResponse<String> missing = get(server, "/nowhere");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.headers().firstValue("x-model-server-instance")).isPresent();
            assertThat(server.requestCount("unmatched")).isEqualTo(1);
        }
    }

    static HttpRequest completionRequest(ModelServer server) {
        return HttpRequest.newBuilder(server.uri("/v1/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hello\"}"))
                .build();
    }

    private static HttpResponse<String> post(ModelServer server, String path, String json)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(server.uri(path))
                .header("content-type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(ModelServer server, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
