package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Upstream connection pooling: reuse, max_requests_per_connection, idle_timeout, connect_timeout. */
class ConnectionPoolProxyTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private void get(ProxyFixture proxy, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void connectionIsRetiredAfterMaxRequestsPerConnection() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("ok");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("b", ""),
                     Bootstraps.cluster("b", false, "max_requests_per_connection: 2\n", up.port())))) {
            get(proxy, 6);
            assertThat(proxy.stat("cluster.b.upstream_cx_total")).isEqualTo(3);
        }
    }

    @Test
    void idleConnectionIsClosedAfterIdleTimeout() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("ok");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("b", ""),
                     Bootstraps.cluster("b", false, "common_http_protocol_options: {idle_timeout: 0.2s}\n", up.port())))) {
            get(proxy, 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.stat("cluster.b.upstream_cx_active") == 0);
            get(proxy, 1);
            assertThat(proxy.stat("cluster.b.upstream_cx_total")).isEqualTo(2);
        }
    }

    @Test
    void keepAliveReusesOneConnectionForSequentialRequests() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("ok");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("b", ""),
                     Bootstraps.cluster("b", false, "", up.port())))) {
            get(proxy, 20);
            // one downstream connection lands on one event loop, whose pool keeps one upstream connection
            assertThat(proxy.stat("cluster.b.upstream_cx_total")).isEqualTo(1);
            assertThat(proxy.stat("cluster.b.upstream_cx_active")).isEqualTo(1);
        }
    }

    @Test
    void connectTimeoutIsReportedAsSuch() throws Exception {
        // A listener that never accepts, its accept queue filled: Linux drops further SYNs, so a
        // connect on loopback hangs until connect_timeout, as it would to an unreachable host.
        try (java.net.ServerSocket stuck = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.List<java.net.Socket> fillers = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    java.net.Socket s = new java.net.Socket();
                    try {
                        s.connect(stuck.getLocalSocketAddress(), 200);
                        fillers.add(s);
                    } catch (java.io.IOException full) {
                        s.close();
                        break;
                    }
                }
                try (ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("b", ""),
                        Bootstraps.cluster("b", false, "", stuck.getLocalPort()).replace("connect_timeout: 1s", "connect_timeout: 0.3s")))) {
                    long start = System.nanoTime();
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/")).build(), HttpResponse.BodyHandlers.ofString());
                    long tookMs = (System.nanoTime() - start) / 1_000_000;
                    assertThat(r.statusCode()).isEqualTo(503);
                    assertThat(r.headers().firstValue("x-weft-error")).hasValue("upstream_connect_timeout");
                    assertThat(tookMs).isBetween(250L, 5_000L);
                    assertThat(proxy.stat("cluster.b.upstream_cx_connect_timeout")).isEqualTo(1);
                }
            } finally {
                for (java.net.Socket s : fillers) {
                    s.close();
                }
            }
        }
    }
}
