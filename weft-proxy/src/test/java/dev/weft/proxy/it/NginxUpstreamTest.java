package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.weft.testkit.Curl;
import dev.weft.testkit.Nginx;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real nginx as the upstream: static files and a path nginx itself proxies to a model server,
 * fetched through Weft with curl; upstream keep-alive; a STRICT_DNS cluster naming {@code localhost}.
 */
class NginxUpstreamTest {
    private static final String HELLO = "hello from nginx\n";

    @TempDir
    Path dir;
    private byte[] blob;
    private ModelServer model;
    private Nginx nginx;

    @BeforeEach
    void startNginx() throws Exception {
        assumeThat(Nginx.available()).as("nginx is installed").isTrue();
        assumeThat(Curl.available()).as("curl is installed").isTrue();
        Path www = Files.createDirectories(dir.resolve("www/static"));
        Files.writeString(www.resolve("hello.txt"), HELLO);
        blob = new byte[300 * 1024];
        new Random(42).nextBytes(blob);
        Files.write(www.resolve("blob.bin"), blob);
        model = ModelServer.start(ModelServerConfig.builder().instanceId("behind-nginx").build());
        nginx = Nginx.start(dir.resolve("nginx"), """
                location /static/ {
                    root %s;
                }
                location /api/ {
                    proxy_pass http://127.0.0.1:%d/;
                }
                """.formatted(dir.resolve("www"), model.port()));
    }

    @AfterEach
    void stop() {
        if (nginx != null) {
            nginx.close();
        }
        if (model != null) {
            model.close();
        }
    }

    @Test
    void curlGetsStaticFilesAndProxiedPathsThroughWeft() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                Bootstraps.routeTo("nginx", ""), Bootstraps.cluster("nginx", false, "", nginx.port())))) {
            Curl.Result hello = Curl.run("-v", proxy.uri("/static/hello.txt").toString());
            Curl.Result binary = Curl.run(proxy.uri("/static/blob.bin").toString());
            Curl.Result proxied = Curl.run("-v", proxy.uri("/api/echo").toString());
            Curl.Result missing = Curl.run("-v", proxy.uri("/static/missing.txt").toString());

            assertThat(hello.status()).as(hello.stderr()).isEqualTo(200);
            assertThat(hello.bodyText()).isEqualTo(HELLO);
            assertThat(RoutingProxyTest.curlHeader(hello, "server")).startsWith("nginx");
            assertThat(binary.status()).isEqualTo(200);
            assertThat(binary.body()).isEqualTo(blob);
            assertThat(proxied.status()).isEqualTo(200);
            assertThat(proxied.bodyText()).contains("\"uri\":\"/echo\"");
            assertThat(RoutingProxyTest.curlHeader(proxied, "x-model-server-instance")).isEqualTo("behind-nginx");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(RoutingProxyTest.curlHeader(missing, "x-weft-error")).as("nginx's 404 is relayed, not made up").isNull();
            assertThat(model.requestCount("/echo")).isEqualTo(1);
        }
    }

    @Test
    void upstreamConnectionsToNginxAreKeptAlive() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try (ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                Bootstraps.routeTo("nginx", ""), Bootstraps.cluster("nginx", false, "", nginx.port())))) {
            for (int i = 0; i < 60; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/static/hello.txt?i=" + i)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(HELLO);
            }
            for (int i = 0; i < 5; i++) {
                assertThat(Curl.run(proxy.uri("/static/hello.txt?curl=" + i).toString()).bodyText()).isEqualTo(HELLO);
            }

            assertThat(proxy.stat("cluster.nginx.upstream_rq_2xx")).isEqualTo(65);
            // one pooled connection per event loop (the proxy runs two) carries all 65 requests
            assertThat(proxy.stat("cluster.nginx.upstream_cx_total")).isBetween(1L, 2L);
            assertThat(nginx.accessLog().lines().filter(l -> l.contains("/static/hello.txt")).count()).isEqualTo(65);
        }
    }

    @Test
    void strictDnsClusterNamingLocalhostReachesNginx() throws Exception {
        // nginx listens on 127.0.0.1 only, while localhost may also name ::1: V4_PREFERRED keeps the
        // endpoints to the IPv4 addresses whenever the name has any, as in Envoy.
        String cluster = """
                - name: nginx
                  type: STRICT_DNS
                  connect_timeout: 1s
                  dns_lookup_family: V4_PREFERRED
                  load_assignment:
                    cluster_name: nginx
                    endpoints:
                    - lb_endpoints:
                      - endpoint: {address: {socket_address: {address: localhost, port_value: %d}}}
                """.formatted(nginx.port());
        try (ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("nginx", ""), cluster))) {
            for (int i = 0; i < 10; i++) {
                Curl.Result r = Curl.run(proxy.uri("/static/hello.txt").toString());
                assertThat(r.status()).as("request %d: %s", i, r.bodyText()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo(HELLO);
            }
            assertThat(proxy.server().clusters().get("nginx").endpoints())
                    .allSatisfy(e -> assertThat(e.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1"));
        }
    }
}
