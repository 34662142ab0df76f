package dev.weft.proxy.route;

import static dev.weft.proxy.route.RouteFixtures.get;
import static dev.weft.proxy.route.RouteFixtures.routes;
import static dev.weft.proxy.route.RouteFixtures.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForwardActionTest {
    @Test
    void weightedClustersSplitInProportion() throws Exception {
        // given
        RouteTable t = routes("""
                [{"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": [
                  {"name": "stable", "weight": 70}, {"name": "canary", "weight": 20},
                  {"name": "dark", "weight": 0}, {"name": "shadow", "weight": 10}]}}}]""");
        RouteEntry e = t.match(get("/"));
        int n = 100_000;

        // when
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(e.pickBackend().cluster(), 1, Integer::sum);
        }

        // then: within 5 standard deviations of the expected share (sd <= sqrt(n/4) = 158)
        assertThat(counts.get("stable")).isBetween(70_000 - 800, 70_000 + 800);
        assertThat(counts.get("canary")).isBetween(20_000 - 800, 20_000 + 800);
        assertThat(counts.get("shadow")).isBetween(10_000 - 800, 10_000 + 800);
        assertThat(counts).doesNotContainKey("dark");
    }

    @Test
    void prefixRewriteReplacesTheMatchedPrefixAndKeepsTheQuery() throws Exception {
        // given
        RouteTable t = routes("""
                [{"match": {"prefix": "/v1/"}, "route": {"cluster": "c", "prefix_rewrite": "/"}},
                 {"match": {"prefix": "/V2", "case_sensitive": false}, "route": {"cluster": "c", "prefix_rewrite": "/api/v2"}},
                 {"match": {"path": "/old"}, "route": {"cluster": "c", "prefix_rewrite": "/new"}}]""");

        // then
        assertThat(rewrittenUri(t, "/v1/models?limit=2")).isEqualTo("/models?limit=2");
        assertThat(rewrittenUri(t, "/v2/chat")).isEqualTo("/api/v2/chat");
        assertThat(rewrittenUri(t, "/old?x=1")).isEqualTo("/new?x=1");
    }

    @Test
    void regexRewriteSubstitutesGroupsInThePathOnly() throws Exception {
        // given
        RouteTable t = routes("""
                [{"match": {"prefix": "/service/"}, "route": {"cluster": "c", "regex_rewrite": {
                    "pattern": {"regex": "^/service/([^/]+)(/.*)$"}, "substitution": "\\\\2/instance/\\\\1"}}},
                 {"match": {"prefix": "/"}, "route": {"cluster": "c", "regex_rewrite": {
                    "pattern": {"regex": "one"}, "substitution": "t$o"}}}]""");

        // then
        assertThat(rewrittenUri(t, "/service/foo/v1/api?q=one")).isEqualTo("/v1/api/instance/foo?q=one");
        assertThat(rewrittenUri(t, "/xxx/one/yyy/one")).isEqualTo("/xxx/t$o/yyy/t$o");
    }

    @Test
    void hostRewriteLiteralReplacesHost() throws Exception {
        // given
        RouteTable t = routes("[{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"c\", \"host_rewrite_literal\": \"upstream.internal\"}}]");
        HttpRequest r = get("public.example.com", "/");

        // when
        RouteEntry e = t.match(r);
        e.rewriteRequest(r, e.pickBackend());

        // then
        assertThat(r.headers().get("host")).isEqualTo("upstream.internal");
    }

    @Test
    void timeoutDefaultsTo15sAndZeroMeansNone() throws Exception {
        // given
        RouteTable t = routes("""
                [{"match": {"prefix": "/slow"}, "route": {"cluster": "c", "timeout": "0s"}},
                 {"match": {"prefix": "/fast"}, "route": {"cluster": "c", "timeout": "1.5s"}},
                 {"match": {"prefix": "/"}, "route": {"cluster": "c"}}]""");

        // then
        assertThat(t.match(get("/slow")).timeoutMillis()).isZero();
        assertThat(t.match(get("/fast")).timeoutMillis()).isEqualTo(1500);
        assertThat(t.match(get("/")).timeoutMillis()).isEqualTo(15_000);
    }

    @Test
    void routeRetryPolicyReplacesVirtualHostRetryPolicy() throws Exception {
        // given
        RouteTable t = table("""
                {"virtual_hosts": [{"name": "vh", "domains": ["*"],
                  "retry_policy": {"retry_on": "5xx", "num_retries": 3},
                  "routes": [
                    {"match": {"prefix": "/own"}, "route": {"cluster": "c", "retry_policy": {"retry_on": "reset"}}},
                    {"match": {"prefix": "/"}, "route": {"cluster": "c"}}]}]}""");

        // when
        RetryPolicy own = t.match(get("/own")).retryPolicy();
        RetryPolicy inherited = t.match(get("/")).retryPolicy();

        // then
        assertThat(own.numRetries()).isEqualTo(1);
        assertThat(own.retriableStatus(503)).isFalse();
        assertThat(inherited.numRetries()).isEqualTo(3);
        assertThat(inherited.retriableStatus(503)).isTrue();
        assertThat(routes("[{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"c\"}}]").match(get("/")).retryPolicy()).isNull();
    }

    private static final String THREE_LEVELS = """
            {%s
             "request_headers_to_add": [
               {"header": {"key": "x-level", "value": "config"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"},
               {"header": {"key": "x-config", "value": "1"}}],
             "request_headers_to_remove": ["x-strip-config"],
             "response_headers_to_add": [{"header": {"key": "x-level", "value": "config"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
             "response_headers_to_remove": ["server"],
             "virtual_hosts": [{"name": "vh", "domains": ["*"],
               "request_headers_to_add": [{"header": {"key": "x-level", "value": "vh"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
               "request_headers_to_remove": ["x-strip-vh"],
               "response_headers_to_add": [{"header": {"key": "x-level", "value": "vh"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
               "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "c"},
                 "request_headers_to_add": [{"header": {"key": "x-level", "value": "route"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
                 "request_headers_to_remove": ["x-strip-route"],
                 "response_headers_to_add": [{"header": {"key": "x-level", "value": "route"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
                 "response_headers_to_remove": ["x-internal"]}]}]}""";

    @Test
    void outermostLevelWinsByDefault() throws Exception {
        // given
        RouteTable t = table(THREE_LEVELS.formatted(""));
        HttpRequest r = get("/");
        r.headers().set("x-strip-config", "1").set("x-strip-vh", "1").set("x-strip-route", "1").set("x-keep", "1");
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().set("server", "app").set("x-internal", "secret");
        RouteEntry e = t.match(r);

        // when
        RouteEntry.Backend b = e.pickBackend();
        e.rewriteRequest(r, b);
        e.rewriteResponse(resp, b);

        // then
        assertThat(r.headers().getAll("x-level")).containsExactly("config");
        assertThat(r.headers().get("x-config")).isEqualTo("1");
        assertThat(r.headers().names()).doesNotContain("x-strip-config", "x-strip-vh", "x-strip-route").contains("x-keep");
        assertThat(resp.headers().getAll("x-level")).containsExactly("config");
        assertThat(resp.headers().contains("server")).isFalse();
        assertThat(resp.headers().contains("x-internal")).isFalse();
    }

    @Test
    void mostSpecificHeaderMutationsWinsLetsTheRouteWin() throws Exception {
        // given
        RouteTable t = table(THREE_LEVELS.formatted("\"most_specific_header_mutations_wins\": true,"));
        HttpRequest r = get("/");
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        RouteEntry e = t.match(r);

        // when
        RouteEntry.Backend b = e.pickBackend();
        e.rewriteRequest(r, b);
        e.rewriteResponse(resp, b);

        // then
        assertThat(r.headers().getAll("x-level")).containsExactly("route");
        assertThat(resp.headers().getAll("x-level")).containsExactly("route");
    }

    private static final String WEIGHTED_HEADERS = """
            {%s"virtual_hosts": [{"name": "vh", "domains": ["*"], "routes": [{"match": {"prefix": "/"},
              "request_headers_to_add": [{"header": {"key": "x-level", "value": "route"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
              "response_headers_to_add": [{"header": {"key": "x-level", "value": "route"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
              "route": {"weighted_clusters": {"clusters": [
                {"name": "stable", "weight": 1,
                 "request_headers_to_add": [{"header": {"key": "x-backend", "value": "stable"}},
                   {"header": {"key": "x-level", "value": "cluster"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
                 "request_headers_to_remove": ["x-strip"],
                 "response_headers_to_add": [{"header": {"key": "x-level", "value": "cluster"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
                 "response_headers_to_remove": ["server"]},
                {"name": "canary", "weight": 1}]}}}]}]}""";

    @Test
    void aWeightedClustersOwnHeaderMutationsApplyOnlyWhenItIsPicked() throws Exception {
        // given
        RouteEntry e = table(WEIGHTED_HEADERS.formatted("")).match(get("/"));
        RouteEntry.Backend stable = pick(e, "stable");
        RouteEntry.Backend canary = pick(e, "canary");

        // when
        HttpRequest toStable = get("/");
        toStable.headers().set("x-strip", "1");
        e.rewriteRequest(toStable, stable);
        HttpRequest toCanary = get("/");
        toCanary.headers().set("x-strip", "1");
        e.rewriteRequest(toCanary, canary);
        HttpResponse fromStable = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        fromStable.headers().set("server", "app");
        e.rewriteResponse(fromStable, stable);
        HttpResponse fromCanary = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        fromCanary.headers().set("server", "app");
        e.rewriteResponse(fromCanary, canary);

        // then: the route's mutations apply to both, and win a conflict with the cluster's (outermost wins)
        assertThat(toStable.headers().get("x-backend")).isEqualTo("stable");
        assertThat(toStable.headers().contains("x-strip")).isFalse();
        assertThat(toStable.headers().getAll("x-level")).containsExactly("route");
        assertThat(toCanary.headers().contains("x-backend")).isFalse();
        assertThat(toCanary.headers().get("x-strip")).isEqualTo("1");
        assertThat(toCanary.headers().getAll("x-level")).containsExactly("route");
        assertThat(fromStable.headers().contains("server")).isFalse();
        assertThat(fromStable.headers().getAll("x-level")).containsExactly("route");
        assertThat(fromCanary.headers().get("server")).isEqualTo("app");
    }

    @Test
    void mostSpecificHeaderMutationsWinsLetsTheWeightedClusterWin() throws Exception {
        // given
        RouteEntry e = table(WEIGHTED_HEADERS.formatted("\"most_specific_header_mutations_wins\": true,")).match(get("/"));
        RouteEntry.Backend stable = pick(e, "stable");
        HttpRequest r = get("/");
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);

        // when
        e.rewriteRequest(r, stable);
        e.rewriteResponse(resp, stable);

        // then
        assertThat(r.headers().getAll("x-level")).containsExactly("cluster");
        assertThat(resp.headers().getAll("x-level")).containsExactly("cluster");
    }

    /** The backend of {@code e} whose cluster is {@code cluster}; picks are random, so it draws until it comes. */
    private static RouteEntry.Backend pick(RouteEntry e, String cluster) {
        for (int i = 0; i < 1000; i++) {
            RouteEntry.Backend b = e.pickBackend();
            if (b.cluster().equals(cluster)) {
                return b;
            }
        }
        throw new AssertionError(cluster + " was never picked");
    }

    @Test
    void appendActions() throws Exception {
        // given
        RouteTable t = routes("""
                [{"match": {"prefix": "/"}, "route": {"cluster": "c"}, "request_headers_to_add": [
                  {"header": {"key": "x-append", "value": "new"}},
                  {"header": {"key": "x-legacy-append", "value": "new"}, "append": true},
                  {"header": {"key": "x-legacy-replace", "value": "new"}, "append": false},
                  {"header": {"key": "x-if-absent-there", "value": "new"}, "append_action": "ADD_IF_ABSENT"},
                  {"header": {"key": "x-if-absent-missing", "value": "new"}, "append_action": "ADD_IF_ABSENT"},
                  {"header": {"key": "x-overwrite", "value": "new"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"},
                  {"header": {"key": "x-overwrite-missing", "value": "new"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"},
                  {"header": {"key": "x-if-exists-there", "value": "new"}, "append_action": "OVERWRITE_IF_EXISTS"},
                  {"header": {"key": "x-if-exists-missing", "value": "new"}, "append_action": "OVERWRITE_IF_EXISTS"},
                  {"header": {"key": "x-empty", "value": ""}},
                  {"header": {"key": "x-kept-empty", "value": ""}, "keep_empty_value": true},
                  {"header": {"key": "x-percent", "value": "100%%"}}]}]""");
        HttpRequest r = get("/");
        for (String h : new String[] {"x-append", "x-legacy-append", "x-legacy-replace", "x-if-absent-there", "x-overwrite",
                "x-if-exists-there"}) {
            r.headers().add(h, "old");
        }

        // when
        RouteEntry e = t.match(r);
        e.rewriteRequest(r, e.pickBackend());

        // then
        assertThat(r.headers().getAll("x-append")).containsExactly("old", "new");
        assertThat(r.headers().getAll("x-legacy-append")).containsExactly("old", "new");
        assertThat(r.headers().getAll("x-legacy-replace")).containsExactly("new");
        assertThat(r.headers().getAll("x-if-absent-there")).containsExactly("old");
        assertThat(r.headers().getAll("x-if-absent-missing")).containsExactly("new");
        assertThat(r.headers().getAll("x-overwrite")).containsExactly("new");
        assertThat(r.headers().getAll("x-overwrite-missing")).containsExactly("new");
        assertThat(r.headers().getAll("x-if-exists-there")).containsExactly("new");
        assertThat(r.headers().contains("x-if-exists-missing")).isFalse();
        assertThat(r.headers().contains("x-empty")).isFalse();
        assertThat(r.headers().getAll("x-kept-empty")).containsExactly("");
        assertThat(r.headers().get("x-percent")).isEqualTo("100%");
    }

    @Test
    void forwardOnlyMethodsRefuseOtherKinds() throws Exception {
        // given
        RouteEntry direct = routes("[{\"match\": {\"prefix\": \"/\"}, \"direct_response\": {\"status\": 204}}]").match(get("/"));

        // then
        assertThat(direct.kind()).isEqualTo(RouteEntry.Kind.DIRECT_RESPONSE);
        assertThatThrownBy(direct::pickBackend).isInstanceOf(IllegalStateException.class);
    }

    private static String rewrittenUri(RouteTable t, String uri) {
        HttpRequest r = get(uri);
        RouteEntry e = t.match(r);
        e.rewriteRequest(r, e.pickBackend());
        return r.uri();
    }
}
