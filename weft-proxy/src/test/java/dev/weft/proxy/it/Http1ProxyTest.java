package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Plain HTTP/1.1 through the proxy: forwarding, keep-alive reuse, forwarded headers, local errors. */
class Http1ProxyTest {
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @Test
    void forwardsRequestsAndReusesUpstreamConnections() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("hello");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", ""), Bootstraps.cluster("backend", false, "", up.port())))) {
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/x?i=" + i))
                        .POST(HttpRequest.BodyPublishers.ofString("body-" + i)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("hello");
            }
            assertThat(up.requests()).isEqualTo(10);
            assertThat(new String(up.seen().get(3).body())).isEqualTo("body-3");
            assertThat(up.seen().get(3).uri()).isEqualTo("/x?i=3");
            assertThat(up.seen().get(0).header("x-forwarded-for")).isEqualTo("127.0.0.1");
            assertThat(up.seen().get(0).header("x-request-id")).isNotBlank();
            assertThat(proxy.stat("cluster.backend.upstream_cx_total")).isLessThanOrEqualTo(2);
            assertThat(proxy.stat("cluster.backend.upstream_rq_2xx")).isEqualTo(10);
        }
    }

    @Test
    void anH2cUpgradeOfferIsDeclinedAndTheRequestServedOverHttp11() throws Exception {
        // The JDK client's default (HTTP_2) offers "Upgrade: h2c" on plaintext; as Envoy, Weft
        // declines by answering in HTTP/1.1, and later requests on the connection still parse.
        HttpClient defaultClient = HttpClient.newHttpClient();
        try (ScriptedUpstream up = ScriptedUpstream.ok("hello");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", ""), Bootstraps.cluster("backend", false, "", up.port())))) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = defaultClient.send(HttpRequest.newBuilder(proxy.uri("/u" + i)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            }
            assertThat(up.requests()).isEqualTo(3);
            assertThat(up.seen().get(0).header("upgrade")).isNull();
            assertThat(up.seen().get(0).header("http2-settings")).isNull();
        }
    }

    @Test
    void noRouteIsA404WithItsCode() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("hello");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     "- match: {prefix: \"/api\"}\n  route: {cluster: backend}\n",
                     Bootstraps.cluster("backend", false, "", up.port())))) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/other")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.headers().firstValue("x-weft-error")).hasValue("no_route");
            assertThat(r.body()).startsWith("no_route: ");
            assertThat(up.requests()).isZero();
        }
    }

    @Test
    void refusedConnectionIsA503WithItsCode() throws Exception {
        int deadPort;
        try (ScriptedUpstream up = ScriptedUpstream.ok("x")) {
            deadPort = up.port();
        }
        try (ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                Bootstraps.routeTo("backend", ""), Bootstraps.cluster("backend", false, "", deadPort)))) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("x-weft-error")).hasValue("upstream_connect_failure");
        }
    }
}
