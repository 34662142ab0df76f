package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.weft.testkit.Curl;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Routing through the proxy on real sockets: virtual hosts, route matchers, weighted clusters,
 * rewrites, header rules, local responses, and the headers a proxy adds or must not forward.
 */
class RoutingProxyTest {
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T use(T resource) {
        resources.add(resource);
        return resource;
    }

    @Test
    void virtualHostIsChosenByDomainWithWildcardsAndPorts() throws Exception {
        assumeThat(Curl.available()).as("curl is installed").isTrue();
        ProxyFixture proxy = use(ProxyFixture.start(RouteConfigBootstraps.of("""
                virtual_hosts:
                - {name: exact, domains: ["api.example.com"], routes: [%s]}
                - {name: exact-port, domains: ["api.example.com:8443"], routes: [%s]}
                - {name: suffix, domains: ["*.example.com"], routes: [%s]}
                - {name: prefix, domains: ["models.*"], routes: [%s]}
                - {name: default, domains: ["*"], routes: [%s]}
                """.formatted(answer("exact"), answer("exact-port"), answer("suffix"), answer("prefix"),
                answer("default")), "")));

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("api.example.com", "exact");
        expected.put("API.Example.COM", "exact");
        expected.put("api.example.com:9090", "exact");
        expected.put("api.example.com:8443", "exact-port");
        expected.put("chat.example.com", "suffix");
        expected.put("a.b.example.com:8080", "suffix");
        expected.put("example.com", "default");
        expected.put("models.internal", "prefix");
        expected.put("models.internal:7000", "prefix");
        expected.put("other.org", "default");

        for (Map.Entry<String, String> e : expected.entrySet()) {
            Curl.Result r = Curl.run("-H", "Host: " + e.getKey(), proxy.uri("/").toString());
            assertThat(r.exitCode()).as("curl for Host %s: %s", e.getKey(), r.stderr()).isZero();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).as("virtual host for Host: %s", e.getKey()).isEqualTo(e.getValue());
        }
        // Over HTTP/2 the authority travels as :authority, which curl fills from the Host header.
        for (String host : List.of("api.example.com:9090", "chat.example.com", "models.internal", "other.org")) {
            Curl.Result r = Curl.run("--http2-prior-knowledge", "-H", "Host: " + host, proxy.uri("/").toString());
            assertThat(r.httpVersion()).isEqualTo("2");
            assertThat(r.bodyText()).as("virtual host for :authority %s", host).isEqualTo(expected.get(host));
        }
    }

    @Test
    void routesMatchOnPathHeadersAndQueryParameters() throws Exception {
        ProxyFixture proxy = use(ProxyFixture.start(RouteConfigBootstraps.of("""
                virtual_hosts:
                - name: all
                  domains: ["*"]
                  routes:
                  - {match: {path: "/exact"}, %s}
                  - {match: {safe_regex: {regex: "/items/[0-9]+"}}, %s}
                  - {match: {prefix: "/h", headers: [{name: x-tier, string_match: {exact: gold}}]}, %s}
                  - {match: {prefix: "/h", headers: [{name: x-user, string_match: {prefix: "admin-"}}]}, %s}
                  - {match: {prefix: "/h", headers: [{name: x-client, string_match: {suffix: "-beta"}}]}, %s}
                  - {match: {prefix: "/h", headers: [{name: x-version, string_match: {safe_regex: {regex: "v[0-9]+"}}}]}, %s}
                  - {match: {prefix: "/h", headers: [{name: x-debug, present_match: true}]}, %s}
                  - {match: {prefix: "/h", headers: [{name: x-env, string_match: {exact: prod}, invert_match: true}]}, %s}
                  - {match: {prefix: "/q", query_parameters: [{name: model, string_match: {exact: llama}}]}, %s}
                  - {match: {prefix: "/q", query_parameters: [{name: debug, present_match: true}]}, %s}
                  - {match: {prefix: "/m", headers: [{name: ":method", string_match: {exact: DELETE}}]}, %s}
                  - {match: {prefix: "/api"}, %s}
                  - {match: {prefix: "/"}, %s}
                """.formatted(direct("exact"), direct("regex"), direct("header-exact"), direct("header-prefix"),
                direct("header-suffix"), direct("header-regex"), direct("header-present"), direct("header-invert"),
                direct("query-exact"), direct("query-present"), direct("method"), direct("prefix"), direct("fallback")), "")));

        record Case(String target, Map<String, String> headers, String route) {}
        HttpResponse<String> delete = client.send(HttpRequest.newBuilder(proxy.uri("/m")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(delete.body()).as(":method matcher").isEqualTo("method");
        List<Case> cases = List.of(
                new Case("/exact", Map.of(), "exact"),
                new Case("/exact?x=1", Map.of(), "exact"),
                new Case("/exact/more", Map.of(), "fallback"),
                new Case("/items/42", Map.of(), "regex"),
                new Case("/items/42/reviews", Map.of(), "fallback"),
                new Case("/items/abc", Map.of(), "fallback"),
                new Case("/h", Map.of("x-tier", "gold"), "header-exact"),
                new Case("/h", Map.of("x-tier", "GOLD"), "fallback"),
                new Case("/h", Map.of("x-user", "admin-bob"), "header-prefix"),
                new Case("/h", Map.of("x-user", "bob-admin-"), "fallback"),
                new Case("/h", Map.of("x-client", "app-beta"), "header-suffix"),
                new Case("/h", Map.of("x-version", "v12"), "header-regex"),
                new Case("/h", Map.of("x-version", "v12a"), "fallback"),
                new Case("/h", Map.of("x-debug", "1"), "header-present"),
                new Case("/h", Map.of("x-env", "staging"), "header-invert"),
                new Case("/h", Map.of("x-env", "prod"), "fallback"),
                // a missing header fails an inverted value matcher too, as in Envoy
                new Case("/h", Map.of(), "fallback"),
                new Case("/q?model=llama", Map.of(), "query-exact"),
                new Case("/q?model=ll%61ma", Map.of(), "query-exact"),
                new Case("/q?model=mistral", Map.of(), "fallback"),
                new Case("/q?verbose=1&debug", Map.of(), "query-present"),
                new Case("/q?debug=1&model=llama", Map.of(), "query-exact"),
                new Case("/m", Map.of(), "fallback"),
                new Case("/api/v1/models", Map.of(), "prefix"),
                new Case("/API", Map.of(), "fallback"));

        for (Case c : cases) {
            HttpRequest.Builder b = HttpRequest.newBuilder(proxy.uri(c.target));
            c.headers.forEach(b::header);
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).as("route for %s %s", c.target, c.headers).isEqualTo(c.route);
        }
    }

    @Test
    void weightedClustersSplitTrafficByWeight() throws Exception {
        ModelServer v1 = use(ModelServer.start(ModelServerConfig.builder().version("v1").instanceId("m-v1").build()));
        ModelServer v2 = use(ModelServer.start(ModelServerConfig.builder().version("v2").instanceId("m-v2").build()));
        ProxyFixture proxy = use(ProxyFixture.start(Bootstraps.of("""
                - match: {prefix: "/"}
                  route:
                    weighted_clusters:
                      clusters:
                      - {name: v1, weight: 80}
                      - {name: v2, weight: 20}
                """,
                Bootstraps.cluster("v1", false, "", v1.port()) + Bootstraps.cluster("v2", false, "", v2.port()))));

        int n = 1000;
        Map<String, AtomicInteger> versions = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < n / 4; i++) {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/status/200")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertThat(r.statusCode()).isEqualTo(200);
                        versions.computeIfAbsent(r.headers().firstValue("x-model-version").orElse("none"),
                                k -> new AtomicInteger()).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(versions.keySet()).containsExactlyInAnyOrder("v1", "v2");
        int toV2 = versions.get("v2").get();
        assertThat(toV2).as("requests to the 20%% cluster").isBetween(lowerBound(n, 0.2), upperBound(n, 0.2));
        assertThat(v2.requestCount()).isEqualTo(toV2);
        assertThat(v1.requestCount()).isEqualTo(n - toV2);
    }

    @Test
    void prefixAndHostRewritesAreWhatTheUpstreamSees() throws Exception {
        ScriptedUpstream up = use(ScriptedUpstream.ok("ok"));
        ProxyFixture proxy = use(ProxyFixture.start(Bootstraps.of("""
                - match: {prefix: "/v1/models/"}
                  route: {cluster: backend, prefix_rewrite: "/internal/", host_rewrite_literal: backend.internal}
                - match: {prefix: "/legacy/"}
                  route:
                    cluster: backend
                    regex_rewrite: {pattern: {regex: "^/legacy/([a-z]+)/(.*)$"}, substitution: "/v2/\\\\2/\\\\1"}
                - match: {prefix: "/"}
                  route: {cluster: backend}
                """, Bootstraps.cluster("backend", false, "", up.port()))));

        assertThat(get(proxy, "/v1/models/llama?stream=true").statusCode()).isEqualTo(200);
        assertThat(get(proxy, "/legacy/users/42").statusCode()).isEqualTo(200);
        assertThat(get(proxy, "/plain").statusCode()).isEqualTo(200);

        assertThat(up.seen()).hasSize(3);
        assertThat(up.seen().get(0).uri()).isEqualTo("/internal/llama?stream=true");
        assertThat(up.seen().get(0).header("host")).isEqualTo("backend.internal");
        assertThat(up.seen().get(1).uri()).isEqualTo("/v2/42/users");
        assertThat(up.seen().get(1).header("host")).isEqualTo("127.0.0.1:" + proxy.port());
        assertThat(up.seen().get(2).uri()).isEqualTo("/plain");
    }

    @Test
    void rewritesReachAnHttp2UpstreamAsPathAndAuthority() throws Exception {
        ModelServer h2 = use(ModelServer.start(ModelServerConfig.builder().h2c(true).build()));
        ProxyFixture proxy = use(ProxyFixture.start(Bootstraps.of("""
                - match: {prefix: "/svc/"}
                  route: {cluster: h2, prefix_rewrite: "/", host_rewrite_literal: backend.internal}
                """, Bootstraps.cluster("h2", true, "", h2.port()))));

        HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/svc/echo?x=1"))
                .header("X-Forwarded-For", "203.0.113.7").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"uri\":\"/echo?x=1\"")
                .contains("\"x-forwarded-for\":\"203.0.113.7, 127.0.0.1\"");
        assertThat(r.body()).containsPattern("\"(host|:authority)\":\"backend.internal\"");
        assertThat(h2.requestCount("/echo")).isEqualTo(1);
    }

    @Test
    void headerRulesOfEveryLevelApplyInBothDirections() throws Exception {
        ScriptedUpstream up = use(ScriptedUpstream.start((n, ex, body) -> {
            ex.getResponseHeaders().add("x-internal", "secret");
            ex.getResponseHeaders().add("x-upstream-only", "1");
            ex.getResponseHeaders().add("x-kept", "1");
            ScriptedUpstream.respond(ex, 200, "ok");
        }));
        ProxyFixture proxy = use(ProxyFixture.start(RouteConfigBootstraps.of("""
                request_headers_to_add: [{header: {key: x-config, value: c}}]
                response_headers_to_add: [{header: {key: x-config-resp, value: c}}]
                response_headers_to_remove: [x-internal]
                virtual_hosts:
                - name: all
                  domains: ["*"]
                  request_headers_to_add: [{header: {key: x-vhost, value: v}}]
                  routes:
                  - match: {prefix: "/"}
                    route: {cluster: backend}
                    request_headers_to_add:
                    - header: {key: x-added, value: "yes"}
                    - header: {key: x-tag, value: two}
                      append_action: APPEND_IF_EXISTS_OR_ADD
                    - header: {key: x-replace, value: new}
                      append_action: OVERWRITE_IF_EXISTS_OR_ADD
                    request_headers_to_remove: [x-secret]
                    response_headers_to_add: [{header: {key: x-served-by, value: weft}}]
                    response_headers_to_remove: [x-upstream-only]
                """, Bootstraps.cluster("backend", false, "", up.port()))));

        HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/"))
                .header("x-secret", "s").header("x-tag", "one").header("x-replace", "old").build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        ScriptedUpstream.Seen seen = up.seen().get(0);
        assertThat(seen.header("x-secret")).isNull();
        assertThat(seen.header("x-added")).isEqualTo("yes");
        assertThat(seen.header("x-tag")).isEqualTo("one,two");
        assertThat(seen.header("x-replace")).isEqualTo("new");
        assertThat(seen.header("x-vhost")).isEqualTo("v");
        assertThat(seen.header("x-config")).isEqualTo("c");
        assertThat(r.headers().firstValue("x-served-by")).hasValue("weft");
        assertThat(r.headers().firstValue("x-config-resp")).hasValue("c");
        assertThat(r.headers().firstValue("x-kept")).hasValue("1");
        assertThat(r.headers().firstValue("x-internal")).isEmpty();
        assertThat(r.headers().firstValue("x-upstream-only")).isEmpty();
    }

    @Test
    void aWeightedClusterAddsItsOwnHeadersOnlyWhenItIsPicked() throws Exception {
        // given: two backends behind one route, each weighted cluster with its own header rules
        ScriptedUpstream stable = use(ScriptedUpstream.start((n, ex, body) -> {
            ex.getResponseHeaders().add("x-internal", "secret");
            ScriptedUpstream.respond(ex, 200, "stable");
        }));
        ScriptedUpstream canary = use(ScriptedUpstream.start((n, ex, body) -> {
            ex.getResponseHeaders().add("x-internal", "secret");
            ScriptedUpstream.respond(ex, 200, "canary");
        }));
        ProxyFixture proxy = use(ProxyFixture.start(Bootstraps.of("""
                - match: {prefix: "/"}
                  request_headers_to_add: [{header: {key: x-route, value: r}}]
                  route:
                    weighted_clusters:
                      clusters:
                      - name: stable
                        weight: 1
                        request_headers_to_add: [{header: {key: x-backend, value: stable}}]
                        request_headers_to_remove: [x-canary-only]
                      - name: canary
                        weight: 1
                        request_headers_to_add: [{header: {key: x-backend, value: canary}}]
                        response_headers_to_add: [{header: {key: x-served-by, value: canary}}]
                        response_headers_to_remove: [x-internal]
                """, Bootstraps.cluster("stable", false, "", stable.port())
                + Bootstraps.cluster("canary", false, "", canary.port()))));

        // when: requests until both have been picked (each is, with probability 1/2 per request)
        Map<String, HttpResponse<String>> last = new LinkedHashMap<>();
        for (int i = 0; i < 200 && last.size() < 2; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/"))
                    .header("x-canary-only", "1").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            last.put(r.body(), r);
        }

        // then: each upstream saw its own header (and the route's), each response got its backend's rules
        assertThat(last).containsOnlyKeys("stable", "canary");
        for (ScriptedUpstream.Seen seen : stable.seen()) {
            assertThat(seen.header("x-backend")).isEqualTo("stable");
            assertThat(seen.header("x-route")).isEqualTo("r");
            assertThat(seen.header("x-canary-only")).isNull();
        }
        for (ScriptedUpstream.Seen seen : canary.seen()) {
            assertThat(seen.header("x-backend")).isEqualTo("canary");
            assertThat(seen.header("x-route")).isEqualTo("r");
            assertThat(seen.header("x-canary-only")).isEqualTo("1");
        }
        assertThat(last.get("stable").headers().firstValue("x-internal")).hasValue("secret");
        assertThat(last.get("stable").headers().firstValue("x-served-by")).isEmpty();
        assertThat(last.get("canary").headers().firstValue("x-internal")).isEmpty();
        assertThat(last.get("canary").headers().firstValue("x-served-by")).hasValue("canary");
    }

    @Test
    void directResponsesAndRedirectsAreAnsweredByTheProxy() throws Exception {
        assumeThat(Curl.available()).as("curl is installed").isTrue();
        ScriptedUpstream up = use(ScriptedUpstream.ok("upstream"));
        ProxyFixture proxy = use(ProxyFixture.start(Bootstraps.of("""
                - match: {path: "/maintenance"}
                  direct_response: {status: 503, body: {inline_string: "down for maintenance"}}
                - match: {path: "/nothing"}
                  direct_response: {status: 204}
                - match: {prefix: "/secure"}
                  redirect: {https_redirect: true}
                - match: {path: "/old"}
                  redirect: {path_redirect: "/new", response_code: PERMANENT_REDIRECT}
                - match: {prefix: "/"}
                  route: {cluster: backend}
                """, Bootstraps.cluster("backend", false, "", up.port()))));

        Curl.Result maintenance = Curl.run("-v", proxy.uri("/maintenance").toString());
        assertThat(maintenance.status()).isEqualTo(503);
        assertThat(maintenance.bodyText()).isEqualTo("down for maintenance");
        assertThat(curlHeader(maintenance, "content-type")).startsWith("text/plain");

        HttpResponse<String> nothing = get(proxy, "/nothing");
        assertThat(nothing.statusCode()).isEqualTo(204);
        assertThat(nothing.body()).isEmpty();

        Curl.Result secure = Curl.run("-v", "-H", "Host: www.example.com", proxy.uri("/secure/page?q=1").toString());
        assertThat(secure.status()).isEqualTo(301);
        assertThat(curlHeader(secure, "location")).isEqualTo("https://www.example.com/secure/page?q=1");

        Curl.Result old = Curl.run("-v", "-H", "Host: www.example.com", proxy.uri("/old?a=1").toString());
        assertThat(old.status()).isEqualTo(308);
        assertThat(curlHeader(old, "location")).isEqualTo("http://www.example.com/new?a=1");

        Curl.Result secureH2 = Curl.run("-v", "--http2-prior-knowledge", "-H", "Host: www.example.com",
                proxy.uri("/secure/page").toString());
        assertThat(secureH2.httpVersion()).isEqualTo("2");
        assertThat(secureH2.status()).isEqualTo(301);
        assertThat(curlHeader(secureH2, "location")).isEqualTo("https://www.example.com/secure/page");
        Curl.Result maintenanceH2 = Curl.run("--http2-prior-knowledge", proxy.uri("/maintenance").toString());
        assertThat(maintenanceH2.status()).isEqualTo(503);
        assertThat(maintenanceH2.bodyText()).isEqualTo("down for maintenance");

        Curl.Result followed = Curl.run("-L", "--max-redirs", "1", proxy.uri("/old").toString());
        assertThat(followed.status()).as("curl follows the redirect to /new, which is forwarded").isEqualTo(200);
        assertThat(followed.bodyText()).isEqualTo("upstream");
        assertThat(up.seen()).extracting(ScriptedUpstream.Seen::uri).containsExactly("/new");
    }

    @Test
    void forwardedForIsAppendedAndRequestIdGeneratedOrKept() throws Exception {
        ScriptedUpstream up = use(ScriptedUpstream.ok("ok"));
        ProxyFixture proxy = use(ProxyFixture.start(Bootstraps.of(
                Bootstraps.routeTo("backend", ""), Bootstraps.cluster("backend", false, "", up.port()))));

        client.send(HttpRequest.newBuilder(proxy.uri("/a")).header("X-Forwarded-For", "203.0.113.7").build(),
                HttpResponse.BodyHandlers.ofString());
        client.send(HttpRequest.newBuilder(proxy.uri("/b")).build(), HttpResponse.BodyHandlers.ofString());
        client.send(HttpRequest.newBuilder(proxy.uri("/c")).build(), HttpResponse.BodyHandlers.ofString());
        client.send(HttpRequest.newBuilder(proxy.uri("/d")).header("x-request-id", "client-chosen-id").build(),
                HttpResponse.BodyHandlers.ofString());

        List<ScriptedUpstream.Seen> seen = up.seen();
        assertThat(seen).hasSize(4);
        assertThat(seen.get(0).header("x-forwarded-for")).isEqualTo("203.0.113.7, 127.0.0.1");
        assertThat(seen.get(1).header("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(seen.get(0).header("x-forwarded-proto")).isEqualTo("http");
        String uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
        assertThat(seen.get(1).header("x-request-id")).matches(uuid);
        assertThat(seen.get(2).header("x-request-id")).matches(uuid).isNotEqualTo(seen.get(1).header("x-request-id"));
        assertThat(seen.get(3).header("x-request-id")).isEqualTo("client-chosen-id");
    }

    @Test
    void hopByHopHeadersAreNotForwarded() throws Exception {
        ScriptedUpstream up = use(ScriptedUpstream.start((n, ex, body) -> {
            ex.getResponseHeaders().add("Connection", "x-up");
            ex.getResponseHeaders().add("x-up", "1");
            ex.getResponseHeaders().add("Keep-Alive", "timeout=5");
            ex.getResponseHeaders().add("x-down", "kept");
            ScriptedUpstream.respond(ex, 200, "ok");
        }));
        ProxyFixture proxy = use(ProxyFixture.start(Bootstraps.of(
                Bootstraps.routeTo("backend", ""), Bootstraps.cluster("backend", false, "", up.port()))));

        RawHttp.Response r;
        RawHttp.Response trailers;
        try (RawHttp c = RawHttp.connect(proxy.port())) {
            r = c.exchange("""
                    GET /hop HTTP/1.1
                    Host: svc
                    Connection: keep-alive, x-foo
                    x-foo: 1
                    Keep-Alive: timeout=5
                    Proxy-Connection: keep-alive
                    TE: gzip
                    x-bar: kept
                    """);
            trailers = c.exchange("""
                    GET /te HTTP/1.1
                    Host: svc
                    TE: trailers
                    """);
        }

        assertThat(r.status()).isEqualTo(200);
        assertThat(trailers.status()).as("the connection was kept alive").isEqualTo(200);
        ScriptedUpstream.Seen seen = up.seen().get(0);
        assertThat(seen.header("x-foo")).isNull();
        assertThat(seen.header("keep-alive")).isNull();
        assertThat(seen.header("proxy-connection")).isNull();
        assertThat(seen.header("te")).isNull();
        assertThat(seen.header("connection")).as("the client's Connection header").isNull();
        assertThat(seen.header("x-bar")).isEqualTo("kept");
        assertThat(up.seen().get(1).header("te")).as("TE: trailers is end to end").isEqualTo("trailers");
        assertThat(r.header("x-up")).as("named by the upstream's Connection header").isNull();
        assertThat(r.header("keep-alive")).isNull();
        assertThat(r.header("connection")).isNull();
        assertThat(r.header("x-down")).isEqualTo("kept");
    }

    @Test
    void absoluteFormTargetRoutesOnItsAuthority() throws Exception {
        assumeThat(Curl.available()).as("curl is installed").isTrue();
        ScriptedUpstream svc = use(ScriptedUpstream.ok("svc"));
        ScriptedUpstream other = use(ScriptedUpstream.ok("other"));
        ProxyFixture proxy = use(ProxyFixture.start(RouteConfigBootstraps.of("""
                virtual_hosts:
                - {name: svc, domains: ["svc.internal"], routes: [{match: {prefix: "/"}, route: {cluster: svc}}]}
                - {name: other, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: other}}]}
                """, Bootstraps.cluster("svc", false, "", svc.port()) + Bootstraps.cluster("other", false, "", other.port()))));

        RawHttp.Response viaTarget = RawHttp.send(proxy.port(), """
                GET http://svc.internal/path?x=1 HTTP/1.1
                Host: elsewhere.example
                """);
        RawHttp.Response withPort = RawHttp.send(proxy.port(), """
                GET http://svc.internal:8080/p HTTP/1.1
                Host: svc.internal:8080
                """);
        RawHttp.Response otherTarget = RawHttp.send(proxy.port(), """
                GET http://other.example/x HTTP/1.1
                Host: svc.internal
                """);
        // curl in proxy mode sends the absolute form itself (and a Proxy-Connection header)
        Curl.Result curl = Curl.run("-x", "http://127.0.0.1:" + proxy.port(), "http://svc.internal/from-curl");

        assertThat(viaTarget.body()).isEqualTo("svc");
        assertThat(withPort.body()).isEqualTo("svc");
        assertThat(otherTarget.body()).isEqualTo("other");
        assertThat(curl.bodyText()).isEqualTo("svc");
        List<ScriptedUpstream.Seen> seen = svc.seen();
        assertThat(seen).hasSize(3);
        assertThat(seen.get(0).uri()).isEqualTo("/path?x=1");
        assertThat(seen.get(0).header("host")).isEqualTo("svc.internal");
        assertThat(seen.get(1).uri()).isEqualTo("/p");
        assertThat(seen.get(1).header("host")).isEqualTo("svc.internal:8080");
        assertThat(seen.get(2).uri()).isEqualTo("/from-curl");
        assertThat(seen.get(2).header("proxy-connection")).isNull();
        assertThat(other.seen()).singleElement().satisfies(s -> {
            assertThat(s.uri()).isEqualTo("/x");
            assertThat(s.header("host")).isEqualTo("other.example");
        });
    }

    // ---------------------------------------------------------------- helpers

    private HttpResponse<String> get(ProxyFixture proxy, String target) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(proxy.uri(target)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A catch-all route (flow-style YAML) answering 200 with {@code body}. */
    private static String answer(String body) {
        return "{match: {prefix: \"/\"}, " + direct(body) + "}";
    }

    /** A direct_response field (flow-style YAML) answering 200 with {@code body}. */
    private static String direct(String body) {
        return "direct_response: {status: 200, body: {inline_string: \"" + body + "\"}}";
    }

    /** A response header from curl -v output ("< Name: value"), or null. */
    static String curlHeader(Curl.Result r, String name) {
        for (String line : r.stderr().split("\r?\n")) {
            if (line.startsWith("< ")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(2, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
        }
        return null;
    }

    /** Five standard deviations below the mean of Binomial(n, p): failing by chance is below 1 in a million. */
    static int lowerBound(int n, double p) {
        return (int) Math.floor(n * p - 5 * Math.sqrt(n * p * (1 - p)));
    }

    static int upperBound(int n, double p) {
        return (int) Math.ceil(n * p + 5 * Math.sqrt(n * p * (1 - p)));
    }
}
