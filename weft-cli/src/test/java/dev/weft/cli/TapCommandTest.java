package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code weft tap --admin HOST:PORT} against a static proxy, no control plane: a line per request, filtered. */
class TapCommandTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    private ProxyServer proxy;
    private String out;
    private String err;

    @BeforeEach
    void start() throws Exception {
        proxy = ProxyServer.start(BootstrapLoader.parse("""
                admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
                static_resources:
                  listeners:
                  - name: edge
                    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: edge
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: {prefix: "/down"}
                                direct_response: {status: 503}
                              - match: {prefix: "/"}
                                direct_response: {status: 200}
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                """, "tap.yaml"), 1);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        proxy.stopped().get(10, TimeUnit.SECONDS);
    }

    private int weft(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        CommandLine cl = Weft.commandLine();
        cl.setOut(new PrintWriter(o, true));
        cl.setErr(new PrintWriter(e, true));
        int code = cl.execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    private int get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + proxy.port("edge") + path)).build(), BodyHandlers.discarding()).statusCode();
    }

    @Test
    void tapPrintsALinePerRequestItsFiltersWant() throws Exception {
        CompletableFuture<Integer> tap = CompletableFuture.supplyAsync(() -> weft("tap", "--admin",
                "127.0.0.1:" + proxy.adminPort(), "--status", "5xx", "--count", "2"));
        await().atMost(BOUND).until(() -> proxy.stats().value("tap.subscribers") == 1);
        assertThat(get("/ok")).isEqualTo(200);
        assertThat(get("/down/1")).isEqualTo(503);
        assertThat(get("/down/2")).isEqualTo(503);

        assertThat(tap.get(BOUND.toSeconds(), TimeUnit.SECONDS)).as(err).isZero();
        List<String> lines = out.lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("START").contains("METHOD").contains("STATUS").contains("UPSTREAM");
        assertThat(lines.get(1)).contains(" GET ").contains("/down/1").contains(" 503 ");
        assertThat(lines.get(2)).contains("/down/2");
    }

    @Test
    void aBadFilterIsTheProxysAnswer() {
        assertThat(weft("tap", "--admin", "127.0.0.1:" + proxy.adminPort(), "--status", "6xx")).isEqualTo(1);
        assertThat(err).contains("answered 400").contains("status: expected codes or classes");
    }

    @Test
    void withoutProxyOrAdminItSaysWhatToGive() {
        assertThat(weft("tap")).isEqualTo(2);
        assertThat(err).contains("name a PROXY").contains("--admin HOST:PORT");
    }
}
