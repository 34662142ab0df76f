package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin endpoint of a running proxy: readiness, stats, config dump, clusters and graceful drain. */
class AdminProxyTest {
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(BOUND)
            .build();

    @TempDir
    Path dir;

    @Test
    void readyIsLive() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("x");
             ProxyFixture proxy = proxy(up.port(), "")) {
            HttpResponse<String> r = admin(proxy, "GET", "/ready");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("LIVE\n");
        }
    }

    @Test
    void statsCountRequestsByListenerAndCluster() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("x");
             ProxyFixture proxy = proxy(up.port(), "")) {
            HttpResponse<String> forwarded = client.send(HttpRequest.newBuilder(proxy.uri("/one")).timeout(BOUND).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(forwarded.statusCode()).isEqualTo(200);

            // the response is counted when its exchange ends, which may be just after the client read it
            await().atMost(BOUND).until(() -> admin(proxy, "GET", "/stats").body().contains("http.main.downstream_rq_2xx: 1"));
            List<String> text = admin(proxy, "GET", "/stats").body().lines().toList();
            JsonNode json = JSON.readTree(admin(proxy, "GET", "/stats?format=json").body());
            List<String> filtered = admin(proxy, "GET", "/stats?filter=cluster.backend.").body().lines().toList();

            assertThat(text).contains("http.main.downstream_rq_total: 1", "http.main.downstream_rq_2xx: 1",
                    "cluster.backend.upstream_rq_2xx: 1", "cluster.backend.upstream_cx_total: 1");
            assertThat(json.get("http.main.downstream_rq_total").asLong()).isEqualTo(1);
            assertThat(json.get("cluster.backend.upstream_rq_2xx").asLong()).isEqualTo(1);
            assertThat(filtered).isNotEmpty().allMatch(l -> l.startsWith("cluster.backend."));
        }
    }

    @Test
    void configDumpIsTheBootstrapWithPrivateKeysRedacted() throws Exception {
        Path key = dir.resolve("client.key");
        Path cert = dir.resolve("client.pem");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=weft-client", "-keyout", key.toString(), "-out", cert.toString());
        String keyPem = Files.readString(key);
        String keyBody = keyPem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
        String tlsCluster = Bootstraps.cluster("secure", false, """
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                    common_tls_context:
                      tls_certificates:
                      - certificate_chain:
                          inline_string: |
                %s
                        private_key:
                          inline_string: |
                %s
                """.formatted(Bootstraps.indent(Files.readString(cert), 12).stripTrailing(),
                Bootstraps.indent(keyPem, 12).stripTrailing()), 9);
        try (ScriptedUpstream up = ScriptedUpstream.ok("x");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("backend", ""),
                     Bootstraps.cluster("backend", false, "", up.port()) + tlsCluster))) {
            HttpResponse<String> r = admin(proxy, "GET", "/config_dump");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            JsonNode bootstrap = JSON.readTree(r.body()).get("bootstrap");
            JsonNode clusters = bootstrap.at("/static_resources/clusters");
            assertThat(clusters.findValuesAsText("name")).contains("backend", "secure");
            assertThat(bootstrap.at("/static_resources/listeners/0/name").asText()).isEqualTo("main");
            JsonNode tls = clusters.get(1).at("/transport_socket/typed_config/common_tls_context/tls_certificates/0");
            assertThat(tls.at("/private_key/inline_string").asText()).isEqualTo("[redacted]");
            assertThat(tls.at("/certificate_chain/inline_string").asText()).contains("BEGIN CERTIFICATE");
            assertThat(r.body()).doesNotContain(keyBody).doesNotContain("PRIVATE KEY");
        }
    }

    @Test
    void clustersListTheirEndpointsAsTextAndJson() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("x");
             ProxyFixture proxy = proxy(up.port(), "")) {
            java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(proxy.uri("/")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            String host = "backend::127.0.0.1:" + up.port() + "::";
            // the exchange ends (rq_active back to 0) just after the client has its response, not before
            await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> admin(proxy, "GET", "/clusters").body().lines().anyMatch((host + "rq_active::0")::equals));
            String text = admin(proxy, "GET", "/clusters").body();
            JsonNode json = JSON.readTree(admin(proxy, "GET", "/clusters?format=json").body());

            assertThat(text.lines()).contains("backend::type::STATIC", host + "health_flags::healthy",
                    host + "weight::1", host + "rq_active::0", "backend::upstream_rq_total::1", "backend::upstream_rq_2xx::1");
            JsonNode backend = json.get("clusters").get(0);
            assertThat(backend.get("name").asText()).isEqualTo("backend");
            assertThat(backend.get("type").asText()).isEqualTo("STATIC");
            assertThat(backend.get("endpoints")).hasSize(1);
            assertThat(backend.at("/endpoints/0/address").asText()).isEqualTo("127.0.0.1:" + up.port());
            assertThat(backend.at("/endpoints/0/healthy").asBoolean()).isTrue();
            assertThat(backend.at("/counters/upstream_rq_total").asLong()).isEqualTo(1);
            assertThat(backend.at("/counters/upstream_cx_total").asLong()).isEqualTo(1);
        }
    }

    @Test
    void quitquitquitNeedsPost() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("x");
             ProxyFixture proxy = proxy(up.port(), "")) {
            HttpResponse<String> r = admin(proxy, "GET", "/quitquitquit");

            assertThat(r.statusCode()).isEqualTo(405);
            assertThat(admin(proxy, "GET", "/ready").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void quitquitquitDrainsInFlightRequestsThenStops() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, body) -> {
                 if (n == 1) {
                     awaitQuietly(release);
                 }
                 ScriptedUpstream.respond(ex, 200, "done " + n);
             });
             ProxyFixture proxy = proxy(up.port(), "drain_timeout: 20s")) {
            // given an idle keep-alive connection and a request the upstream holds
            try (Socket idle = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                idle.setSoTimeout((int) BOUND.toMillis());
                CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                        HttpRequest.newBuilder(proxy.uri("/slow")).timeout(Duration.ofSeconds(20)).build(),
                        HttpResponse.BodyHandlers.ofString());
                await().atMost(BOUND).until(() -> up.requests() == 1);
                idle.getOutputStream().write(RawClient.bytes("GET /idle HTTP/1.1\r\nHost: t\r\n\r\n"));
                assertThat(RawClient.read(idle.getInputStream()).closed()).isFalse();

                // when the drain starts
                HttpResponse<String> quit = admin(proxy, "POST", "/quitquitquit");

                // then the proxy stops taking work but finishes what it has
                assertThat(quit.statusCode()).isEqualTo(200);
                assertThat(admin(proxy, "GET", "/ready").statusCode()).isEqualTo(503);
                await().atMost(BOUND).untilAsserted(() -> assertThatThrownBy(
                        () -> new Socket(InetAddress.getLoopbackAddress(), proxy.port()).close())
                        .isInstanceOf(ConnectException.class));
                assertThat(readToEnd(idle.getInputStream())).as("idle connection closed").isEmpty();
                assertThat(slow).isNotDone();
                assertThat(proxy.server().stopped()).isNotDone();

                long released = System.nanoTime();
                release.countDown();
                HttpResponse<String> r = slow.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("done 1");
                proxy.server().stopped().get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released))
                        .as("stopped long before the 20 s drain timeout").isLessThan(BOUND.toMillis());
                assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), proxy.adminPort()).close())
                        .isInstanceOf(ConnectException.class);
            }
        } finally {
            release.countDown();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static ProxyFixture proxy(int upstreamPort, String hcmExtra) throws Exception {
        return ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("backend", ""),
                Bootstraps.cluster("backend", false, "", upstreamPort), hcmExtra));
    }

    private HttpResponse<String> admin(ProxyFixture proxy, String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.adminUri(path)).timeout(BOUND)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Whatever arrives until the peer closes; a read timeout fails the test. */
    private static String readToEnd(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("openssl finished").isTrue();
        assertThat(p.exitValue()).as("openssl: %s", output).isZero();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
