package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.testkit.Curl;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Streamed traffic through the proxy: server-sent events from a paced model server reach the client
 * token by token (JDK client, curl over HTTP/1.1 and over HTTP/2), and a chunked request body of
 * unknown length streams to the upstream as it is produced.
 */
class StreamingProxyTest {
    /** Ten tokens, the first after 50 ms and then one every 100 ms: the stream lasts about 950 ms. */
    private static final int TOKENS = 10;
    private static final Duration TTFT = Duration.ofMillis(50);
    private static final double TOKENS_PER_SECOND = 10;
    /** Far less than the ~900 ms between the first and the last token, far more than loopback jitter. */
    private static final long MIN_SPREAD_MILLIS = 500;

    private static final String CHAT_REQUEST =
            "{\"model\":\"weft-sim\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"tell me a story\"}]}";

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private ModelServer model;

    @BeforeEach
    void startModelServer() {
        model = ModelServer.start(ModelServerConfig.builder()
                .timeToFirstToken(TTFT)
                .tokensPerSecond(TOKENS_PER_SECOND)
                .responseTokens(TOKENS)
                .h2c(true)
                .build());
    }

    @AfterEach
    void stopModelServer() {
        model.close();
    }

    @Test
    void sseEventsArriveAsTheModelGeneratesThem() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(false))) {
            HttpResponse<Stream<String>> response = client.send(chatRequest(proxy), HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));

            List<Event> events = new ArrayList<>();
            try (Stream<String> lines = response.body()) {
                lines.filter(l -> l.startsWith("data:"))
                        .forEach(l -> events.add(new Event(l, System.nanoTime(), model.tokensGenerated())));
            }

            assertStreamed(events);
        }
    }

    @Test
    void curlReceivesTheStreamOverHttp1() throws Exception {
        assumeTrue(Curl.available(), "curl is not installed");
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(false))) {
            List<Event> events = curlEvents(proxy, "--http1.1");
            assertStreamed(events);
        }
    }

    @Test
    void curlReceivesTheStreamOverHttp2() throws Exception {
        assumeTrue(Curl.available(), "curl is not installed");
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(false))) {
            List<Event> events = curlEvents(proxy, "--http2-prior-knowledge");
            assertStreamed(events);
        }
    }

    @Test
    void curlReceivesTheStreamOverHttp2FromAnHttp2Upstream() throws Exception {
        assumeTrue(Curl.available(), "curl is not installed");
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(true))) {
            List<Event> events = curlEvents(proxy, "--http2-prior-knowledge");
            assertStreamed(events);
        }
    }

    @Test
    void chunkedUploadStreamsToTheUpstreamBeforeItEnds() throws Exception {
        byte[] first = pattern(64 * 1024, 1);
        byte[] second = pattern(200 * 1024, 7);
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(false));
             SubmissionPublisher<ByteBuffer> body = new SubmissionPublisher<>()) {
            // Given a request body of unknown length (the JDK client sends it chunked)
            CompletableFuture<HttpResponse<byte[]>> response = client.sendAsync(HttpRequest.newBuilder(proxy.uri("/echo"))
                    .header("content-type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.fromPublisher(body))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());

            // When its first part is sent, then the upstream has it before the request is complete
            awaitSubscribed(body);
            body.submit(ByteBuffer.wrap(first));
            await().atMost(Duration.ofSeconds(5)).until(() -> model.requestBodyBytes() == first.length);

            // And the rest follows in small pieces
            for (int off = 0; off < second.length; off += 10_000) {
                body.submit(ByteBuffer.wrap(second, off, Math.min(10_000, second.length - off)));
            }
            body.close();

            HttpResponse<byte[]> r = response.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            byte[] expected = Arrays.copyOf(first, first.length + second.length);
            System.arraycopy(second, 0, expected, first.length, second.length);
            assertThat(r.body()).hasSize(expected.length);
            assertThat(r.body()).isEqualTo(expected);
            assertThat(model.requestBodyBytes()).isEqualTo(expected.length);
        }
    }

    @Test
    void chunkedUploadReachesTheUpstreamChunkedAndWhole() throws Exception {
        byte[] data = pattern(300 * 1024, 3);
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, b) -> ScriptedUpstream.respond(ex, 200, "got " + b.length));
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", ""), Bootstraps.cluster("backend", false, "", up.port())));
             SubmissionPublisher<ByteBuffer> body = new SubmissionPublisher<>()) {
            CompletableFuture<HttpResponse<String>> response = client.sendAsync(HttpRequest.newBuilder(proxy.uri("/upload"))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
            awaitSubscribed(body);
            for (int off = 0; off < data.length; off += 16_384) {
                body.submit(ByteBuffer.wrap(data, off, Math.min(16_384, data.length - off)));
            }
            body.close();

            HttpResponse<String> r = response.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("got " + data.length);
            assertThat(up.seen()).hasSize(1);
            assertThat(up.seen().get(0).header("transfer-encoding")).isEqualToIgnoringCase("chunked");
            assertThat(up.seen().get(0).header("content-length")).isNull();
            assertThat(up.seen().get(0).body()).isEqualTo(data);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** One {@code data:} line as the client saw it, and how many tokens the server had generated then. */
    private record Event(String line, long arrivedNanos, long generatedWhenArrived) {
    }

    private String bootstrap(boolean http2Upstream) {
        return Bootstraps.of(Bootstraps.routeTo("model", ""), Bootstraps.cluster("model", http2Upstream, "", model.port()));
    }

    private static HttpRequest chatRequest(ProxyFixture proxy) {
        return HttpRequest.newBuilder(proxy.uri("/v1/chat/completions"))
                .header("content-type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT_REQUEST))
                .build();
    }

    /** Runs {@code curl -N} and timestamps each {@code data:} line as curl prints it. */
    private List<Event> curlEvents(ProxyFixture proxy, String protocolFlag) throws IOException, InterruptedException {
        Process curl = new ProcessBuilder(Curl.executable().orElseThrow().toString(), "-sS", "-N", protocolFlag,
                "--max-time", "10", "-H", "content-type: application/json", "--data-binary", CHAT_REQUEST,
                proxy.uri("/v1/chat/completions").toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<Event> events = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(curl.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            // curl's --max-time bounds this loop: curl exits and its output ends
            while ((line = out.readLine()) != null) {
                if (line.startsWith("data:")) {
                    events.add(new Event(line, System.nanoTime(), model.tokensGenerated()));
                }
            }
        } finally {
            if (!curl.waitFor(5, TimeUnit.SECONDS)) {
                curl.destroyForcibly();
            }
        }
        assertThat(curl.exitValue()).as("curl exit code").isZero();
        return events;
    }

    /** The events are the whole stream, and they arrived spread over the generation time, not at once. */
    private static void assertStreamed(List<Event> events) {
        assertThat(events).as("data lines").hasSizeGreaterThanOrEqualTo(TOKENS + 2);
        assertThat(events.get(events.size() - 1).line()).isEqualTo("data: [DONE]");
        assertThat(events.get(events.size() - 2).line()).contains("\"usage\"").contains("\"completion_tokens\":" + TOKENS);
        assertThat(events.get(0).line()).contains("\"role\":\"assistant\"");

        Event first = events.get(0);
        Event last = events.get(events.size() - 1);
        assertThat(first.generatedWhenArrived())
                .as("tokens the server had generated when the first event reached the client")
                .isLessThan(TOKENS);
        long spreadMillis = TimeUnit.NANOSECONDS.toMillis(last.arrivedNanos() - first.arrivedNanos());
        assertThat(spreadMillis).as("ms between the first and the last event").isGreaterThanOrEqualTo(MIN_SPREAD_MILLIS);
    }

    /** A SubmissionPublisher drops what is submitted before the client subscribes. */
    private static void awaitSubscribed(SubmissionPublisher<ByteBuffer> body) {
        await().atMost(Duration.ofSeconds(5)).until(() -> body.getNumberOfSubscribers() > 0);
    }

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + seed + (i >>> 8));
        }
        return b;
    }
}
