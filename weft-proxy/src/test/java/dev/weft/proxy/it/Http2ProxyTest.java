package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.testkit.Curl;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 through the proxy on real sockets: h2c prior knowledge downstream (curl and a Netty client),
 * conversion between HTTP/1.1 and HTTP/2 in both directions with bodies and headers, and many
 * concurrent streams multiplexed on one upstream connection.
 *
 * <p>Concurrent streams use the Netty client here: curl 7.88's --parallel fails reused
 * prior-knowledge connections with "Error in the HTTP2 framing layer" against any server
 * (curl/curl#10634), so curl's multiplexing is tested over TLS (ALPN) in TlsProxyTest.
 */
class Http2ProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @BeforeAll
    static void needsCurl() {
        assumeTrue(Curl.available(), "curl is not installed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"AUTO", "HTTP2"})
    void curlWithPriorKnowledgeIsServedOverHttp2(String codec) throws Exception {
        try (ModelServer up = ModelServer.start(ModelServerConfig.defaults());
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("models", ""), Bootstraps.cluster("models", false, "", up.port()),
                     "codec_type: " + codec))) {
            Curl.Result post = Curl.run("--http2-prior-knowledge", "-H", "content-type: text/plain",
                    "--data-binary", "hello over h2", proxy.uri("/echo").toString());
            Curl.Result get = Curl.run("--http2-prior-knowledge", "-H", "x-custom: kept", proxy.uri("/echo").toString());
            Curl.Result http1 = Curl.run("--http1.1", proxy.uri("/echo").toString());

            assertThat(post.exitCode()).as(post.stderr()).isZero();
            assertThat(post.httpVersion()).isEqualTo("2");
            assertThat(post.status()).isEqualTo(200);
            assertThat(post.bodyText()).isEqualTo("hello over h2");
            JsonNode seen = JSON.readTree(get.body()).get("headers");
            assertThat(get.httpVersion()).isEqualTo("2");
            assertThat(seen.path("x-custom").asText()).isEqualTo("kept");
            assertThat(seen.path("host").asText()).isEqualTo("127.0.0.1:" + proxy.port());
            assertThat(seen.path("x-forwarded-proto").asText()).isEqualTo("http");
            assertThat(seen.has("x-http2-stream-id")).as("Netty's HTTP/2 conversion headers stay inside the proxy").isFalse();
            if (codec.equals("AUTO")) {
                assertThat(http1.status()).isEqualTo(200);
                assertThat(http1.httpVersion()).isEqualTo("1.1");
            } else {
                assertThat(http1.status()).as("an HTTP2-only listener answers no HTTP/1.1 request").isNotEqualTo(200);
            }
            assertThat(proxy.stat("cluster.models.upstream_rq_2xx")).isEqualTo(2 + (codec.equals("AUTO") ? 1 : 0));
        }
    }

    @Test
    void http1ClientToHttp2UpstreamKeepsBodiesAndEndToEndHeadersOnly() throws Exception {
        byte[] large = randomBytes(300_000);
        Path largeFile = Files.write(dir.resolve("large.bin"), large);
        Path chunkedHeaders = dir.resolve("chunked.headers");
        Path lengthHeaders = dir.resolve("length.headers");
        try (ModelServer up = ModelServer.start(ModelServerConfig.builder().h2c(true).build());
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("models", ""), Bootstraps.cluster("models", true, "", up.port())))) {
            Curl.Result get = Curl.run("--http1.1", "-H", "x-custom: kept", "-H", "Connection: keep-alive, x-hop",
                    "-H", "x-hop: secret", "-H", "Keep-Alive: timeout=5", "-H", "Proxy-Connection: keep-alive",
                    proxy.uri("/echo").toString());
            Curl.Result chunked = Curl.run("--http1.1", "-D", chunkedHeaders.toString(), "-H", "Transfer-Encoding: chunked",
                    "-H", "content-type: application/octet-stream", "--data-binary", "@" + largeFile, proxy.uri("/echo").toString());
            Curl.Result sized = Curl.run("--http1.1", "-D", lengthHeaders.toString(), "-H", "content-type: text/plain",
                    "--data-binary", "abc", proxy.uri("/echo").toString());

            assertThat(get.status()).as(get.stderr()).isEqualTo(200);
            JsonNode seen = JSON.readTree(get.body()).get("headers");
            assertThat(seen.has("x-http2-stream-id")).as("the model server's HTTP/2 codec marks requests that came over HTTP/2").isTrue();
            assertThat(seen.path("x-custom").asText()).isEqualTo("kept");
            assertThat(seen.has("x-hop")).as("a header named by Connection is hop-by-hop").isFalse();
            assertThat(seen.has("connection")).isFalse();
            assertThat(seen.has("keep-alive")).isFalse();
            assertThat(seen.has("proxy-connection")).isFalse();

            assertThat(chunked.status()).as(chunked.stderr()).isEqualTo(200);
            assertThat(chunked.body()).isEqualTo(large);
            Map<String, String> chunkedResponse = headers(chunkedHeaders);
            assertThat(chunkedResponse).containsEntry("transfer-encoding", "chunked").doesNotContainKey("content-length");

            assertThat(sized.status()).isEqualTo(200);
            assertThat(sized.bodyText()).isEqualTo("abc");
            assertThat(headers(lengthHeaders)).containsEntry("content-length", "3").doesNotContainKey("transfer-encoding");
            assertThat(up.requestBodyBytes()).isEqualTo(large.length + 3);
            assertThat(proxy.stat("cluster.models.upstream_cx_total"))
                    .as("one HTTP/2 connection per proxy event loop at most").isBetween(1L, 2L);
        }
    }

    @Test
    void http2ClientToHttp1UpstreamKeepsBodiesAndHeaders() throws Exception {
        byte[] large = randomBytes(300_000);
        try (ModelServer up = ModelServer.start(ModelServerConfig.defaults());
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("models", ""), Bootstraps.cluster("models", false, "", up.port())));
             H2cClient client = H2cClient.connect(proxy.port())) {
            H2cClient.Response get = client.send("GET", "/echo", Map.of("x-custom", "kept"), null).get(20, TimeUnit.SECONDS);
            H2cClient.Response again = client.send("GET", "/echo", Map.of(), null).get(20, TimeUnit.SECONDS);
            H2cClient.Response streamed = client.send("POST", "/echo", Map.of("content-type", "application/octet-stream"), large)
                    .get(20, TimeUnit.SECONDS);
            H2cClient.Response sized = client.send("POST", "/echo", Map.of("content-type", "text/plain", "content-length", "5"),
                    "hello".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);

            assertThat(get.status()).isEqualTo(200);
            JsonNode seen = JSON.readTree(get.body()).get("headers");
            assertThat(seen.path("x-custom").asText()).isEqualTo("kept");
            assertThat(seen.path("host").asText()).isEqualTo("127.0.0.1:" + proxy.port());
            assertThat(seen.has("transfer-encoding")).as("a request without a body is sent without one").isFalse();
            assertThat(seen.has("x-http2-stream-id")).isFalse();
            assertThat(get.headers()).containsKey("x-model-server-instance");
            assertThat(JSON.readTree(again.body()).get("headers").has("transfer-encoding"))
                    .as("nor on a pooled connection, where the request is sent before its end was read").isFalse();

            assertThat(streamed.status()).isEqualTo(200);
            assertThat(streamed.body()).isEqualTo(large);
            assertThat(streamed.headers()).doesNotContainKeys("transfer-encoding", "connection", "keep-alive");

            assertThat(sized.status()).isEqualTo(200);
            assertThat(sized.bodyText()).isEqualTo("hello");
            assertThat(sized.headers()).containsEntry("content-length", "5");
            assertThat(up.requestBodyBytes()).isEqualTo(large.length + 5);
            assertThat(proxy.stat("http.main.downstream_cx_total")).isEqualTo(1);
        }
    }

    @Test
    void fiftyConcurrentStreamsShareOneDownstreamAndOneUpstreamConnection() throws Exception {
        int streams = 50;
        try (ModelServer up = ModelServer.start(ModelServerConfig.builder().h2c(true).build());
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("models", ""), Bootstraps.cluster("models", true, "", up.port())));
             H2cClient client = H2cClient.connect(proxy.port())) {
            List<CompletableFuture<H2cClient.Response>> responses = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                byte[] body = ("stream-" + i + "-").repeat(1000 + i).getBytes(StandardCharsets.UTF_8);
                responses.add(client.send("POST", "/echo", Map.of("content-type", "text/plain"), body));
            }
            CompletableFuture.allOf(responses.toArray(new CompletableFuture<?>[0])).get(WAIT.toSeconds(), TimeUnit.SECONDS);

            for (int i = 0; i < streams; i++) {
                H2cClient.Response r = responses.get(i).getNow(null);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo(("stream-" + i + "-").repeat(1000 + i));
            }
            assertThat(proxy.stat("http.main.downstream_cx_total")).isEqualTo(1);
            assertThat(proxy.stat("cluster.models.upstream_rq_2xx")).isEqualTo(streams);
            assertThat(proxy.stat("cluster.models.upstream_cx_total"))
                    .as("streams of one downstream connection run on one event loop, whose pool opens one connection")
                    .isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "HTTP/2 upstream: {0}")
    @ValueSource(booleans = {false, true})
    void multiMegabyteBodiesPassBothWaysUnderFlowControl(boolean upstreamHttp2) throws Exception {
        byte[] upload = randomBytes(2 << 20);
        int download = 4 << 20;
        try (ModelServer up = ModelServer.start(ModelServerConfig.builder().h2c(upstreamHttp2).build());
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("models", ""), Bootstraps.cluster("models", upstreamHttp2, "", up.port())));
             H2cClient client = H2cClient.connect(proxy.port())) {
            CompletableFuture<H2cClient.Response> echoed = client.send("POST", "/echo", Map.of(), upload);
            CompletableFuture<H2cClient.Response> bytes = client.send("GET", "/bytes/" + download, Map.of(), null);

            assertThat(echoed.get(WAIT.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo(upload);
            H2cClient.Response r = bytes.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).hasSize(download);
            assertThat(up.requestBodyBytes()).isEqualTo(upload.length);
        }
    }

    /** Response headers curl wrote with -D, the last response's, names lower case. */
    private static Map<String, String> headers(Path file) throws IOException {
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            int colon = line.indexOf(':');
            if (line.startsWith("HTTP/")) {
                map.clear();
            } else if (colon > 0) {
                map.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return map;
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new Random(42).nextBytes(bytes);
        return bytes;
    }
}
