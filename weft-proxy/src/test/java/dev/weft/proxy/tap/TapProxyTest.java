package dev.weft.proxy.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.it.Bootstraps;
import dev.weft.proxy.it.ProxyFixture;
import dev.weft.testkit.Curl;
import dev.weft.testkit.ManagedProcess;
import dev.weft.testkit.Processes;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin {@code /tap} on a real proxy: curl streams the finished exchanges a filter wants as JSON lines; nothing is
 * tapped while nobody listens; a client that does not read loses lines, counted, and the proxy keeps serving.
 */
class TapProxyTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ProxyFixture proxy;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        String yaml = Bootstraps.of("""
                - match: {prefix: "/v1/fail"}
                  direct_response: {status: 503, body: {inline_string: "down"}}
                - match: {prefix: "/"}
                  direct_response: {status: 200, body: {inline_string: "ok"}}
                """, "").replace("  clusters:\n", "  clusters: []\n");
        proxy = ProxyFixture.start(yaml);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
    }

    private int get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.uri(path)).build(), BodyHandlers.discarding()).statusCode();
    }

    private boolean tapObserving() {
        TapSink tap = proxy.server().telemetry().sink(TapSink.class);
        ListenerSpec l = proxy.server().snapshot().listeners().get(0);
        return tap.observerFor(l, l.http()) != null;
    }

    @Test
    void curlStreamsTheExchangesItsFilterWantsThenTheTapGoesAway() throws Exception {
        assumeTrue(Curl.available(), "curl is not installed");
        // given: nobody taps, so no listener reports to the tap
        assertThat(tapObserving()).isFalse();

        // when: curl taps 5xx answers under /v1/, two of them
        String url = "http://127.0.0.1:" + proxy.adminPort() + "/tap?path=/v1/&status=5xx&count=2";
        try (ManagedProcess curl = Processes.start(dir, dir.resolve("curl.out"),
                List.of(Curl.executable().orElseThrow().toString(), "-sSN", url))) {
            await().atMost(BOUND).until(() -> proxy.stat("tap.subscribers") == 1);
            assertThat(tapObserving()).isTrue();
            assertThat(get("/v1/chat")).isEqualTo(200);
            assertThat(get("/other/fail")).isEqualTo(200);
            assertThat(get("/v1/fail/a")).isEqualTo(503);
            assertThat(get("/v1/fail/b?x=1")).isEqualTo(503);
            assertThat(get("/v1/fail/c")).isEqualTo(503);

            // then: curl got exactly the two wanted exchanges, and the stream ended
            await().atMost(BOUND).until(() -> !curl.isAlive());
            assertThat(curl.process().exitValue()).as(curl.output()).isZero();
            List<JsonNode> lines = new ArrayList<>();
            for (String l : curl.output().strip().split("\n")) {
                lines.add(JSON.readTree(l));
            }
            assertThat(lines).extracting(n -> n.get("path").asText()).containsExactly("/v1/fail/a", "/v1/fail/b?x=1");
            assertThat(lines).allSatisfy(n -> {
                assertThat(n.get("response_code").asInt()).isEqualTo(503);
                assertThat(n.get("method").asText()).isEqualTo("GET");
                assertThat(n.get("authority").asText()).isEqualTo("127.0.0.1:" + proxy.port());
                assertThat(n.get("listener").asText()).isEqualTo("main");
            });
        }
        // and the tap is off the listeners again
        await().atMost(BOUND).until(() -> proxy.stat("tap.subscribers") == 0 && !tapObserving());
        assertThat(proxy.stat("tap.sent")).isEqualTo(2);
    }

    @Test
    void badFiltersAreRefusedWithTheParameterNamed() throws Exception {
        var r = client.send(HttpRequest.newBuilder(proxy.adminUri("/tap?status=5yy")).build(), BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).startsWith("status: expected codes or classes such as 503 or 5xx, got \"5yy\"");
        r = client.send(HttpRequest.newBuilder(proxy.adminUri("/tap?count=0")).build(), BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).startsWith("count:");
    }

    @Test
    void aTapperThatDoesNotReadLosesLinesCountedWhileTheProxyKeepsServing() throws Exception {
        // given: a tapper that sends its request and never reads
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(new java.net.InetSocketAddress("127.0.0.1", proxy.adminPort()));
            OutputStream out = slow.getOutputStream();
            out.write(("GET /tap HTTP/1.1\r\nhost: admin\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(BOUND).until(() -> proxy.stat("tap.subscribers") == 1);

            // when: traffic goes on (long paths make long lines)
            String longPath = "/x/" + "p".repeat(8000);
            AtomicBoolean stop = new AtomicBoolean();
            List<CompletableFuture<Void>> senders = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                senders.add(CompletableFuture.runAsync(() -> {
                    while (!stop.get()) {
                        try {
                            if (get(longPath) != 200) {
                                throw new AssertionError("a request failed while a tapper was stuck");
                            }
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                }));
            }
            try {
                // then: lines are dropped and counted, requests keep being answered
                await().atMost(Duration.ofSeconds(90)).until(() -> proxy.stat("tap.dropped") > 0
                        || senders.stream().anyMatch(CompletableFuture::isCompletedExceptionally));
            } finally {
                stop.set(true);
            }
            for (CompletableFuture<Void> s : senders) {
                s.get();
            }
            assertThat(proxy.stat("tap.dropped")).isPositive();
            assertThat(get("/after")).isEqualTo(200);

            // and what the tapper does get starts with the response head and whole lines
            InputStream in = slow.getInputStream();
            byte[] head = in.readNBytes(200);
            assertThat(new String(head, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 OK")
                    .contains("application/x-ndjson");
        }
        await().atMost(BOUND).until(() -> proxy.stat("tap.subscribers") == 0);
    }
}
