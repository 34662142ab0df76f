package dev.weft.proxy.route;

import static dev.weft.proxy.route.RouteFixtures.get;
import static dev.weft.proxy.route.RouteFixtures.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpRequest;
import org.junit.jupiter.api.Test;

class RouteMatchTest {
    /** A one-route table whose route, named "hit", has {@code matchJson} as its match. */
    private static RouteTable only(String matchJson) throws Exception {
        return routes("[{\"name\": \"hit\", \"match\": " + matchJson + ", \"route\": {\"cluster\": \"c\"}}]");
    }

    private static boolean hits(RouteTable t, HttpRequest r) {
        return t.match(r) != null;
    }

    @Test
    void prefixMatchesThePathWithoutQuery() throws Exception {
        // given
        RouteTable t = only("{\"prefix\": \"/api\"}");

        // then
        assertThat(hits(t, get("/api"))).isTrue();
        assertThat(hits(t, get("/api/v1?x=1"))).isTrue();
        assertThat(hits(t, get("/API"))).isFalse();
        assertThat(hits(t, get("/ap?i"))).isFalse();
    }

    @Test
    void prefixCanIgnoreCase() throws Exception {
        // given
        RouteTable t = only("{\"prefix\": \"/api\", \"case_sensitive\": false}");

        // then
        assertThat(hits(t, get("/API/x"))).isTrue();
        assertThat(hits(t, get("/ap"))).isFalse();
    }

    @Test
    void pathIsExactWithoutQuery() throws Exception {
        // given
        RouteTable t = only("{\"path\": \"/health\"}");
        RouteTable insensitive = only("{\"path\": \"/health\", \"case_sensitive\": false}");

        // then
        assertThat(hits(t, get("/health"))).isTrue();
        assertThat(hits(t, get("/health?full=1"))).isTrue();
        assertThat(hits(t, get("/health/"))).isFalse();
        assertThat(hits(t, get("/Health"))).isFalse();
        assertThat(hits(insensitive, get("/HEALTH"))).isTrue();
    }

    @Test
    void safeRegexMustMatchTheWholePath() throws Exception {
        // given
        RouteTable t = only("{\"safe_regex\": {\"google_re2\": {}, \"regex\": \"/v[0-9]+/models\"}}");

        // then
        assertThat(hits(t, get("/v1/models"))).isTrue();
        assertThat(hits(t, get("/v12/models?limit=3"))).isTrue();
        assertThat(hits(t, get("/v1/models/x"))).isFalse();
        assertThat(hits(t, get("/x/v1/models"))).isFalse();
    }

    @Test
    void pathSeparatedPrefixStopsAtSegmentBoundaries() throws Exception {
        // given
        RouteTable t = only("{\"path_separated_prefix\": \"/api/dev\"}");

        // then
        assertThat(hits(t, get("/api/dev"))).isTrue();
        assertThat(hits(t, get("/api/dev/"))).isTrue();
        assertThat(hits(t, get("/api/dev/v1"))).isTrue();
        assertThat(hits(t, get("/api/dev?param=true"))).isTrue();
        assertThat(hits(t, get("/api/developer"))).isFalse();
    }

    @Test
    void headerStringMatchers() throws Exception {
        // given
        RouteTable t = only("""
                {"prefix": "/", "headers": [
                  {"name": "x-exact", "string_match": {"exact": "a"}},
                  {"name": "x-prefix", "string_match": {"prefix": "pre"}},
                  {"name": "x-suffix", "string_match": {"suffix": "fix", "ignore_case": true}},
                  {"name": "x-contains", "string_match": {"contains": "MID", "ignore_case": true}},
                  {"name": "x-regex", "string_match": {"safe_regex": {"regex": "[0-9]{3}"}}}
                ]}""");
        HttpRequest ok = get("/");
        ok.headers().set("x-exact", "a").set("x-prefix", "prefixed").set("X-Suffix", "SUFFIX")
                .set("x-contains", "a-mid-b").set("x-regex", "123");

        // then
        assertThat(hits(t, ok)).isTrue();
        HttpRequest badRegex = get("/");
        badRegex.headers().add(ok.headers()).set("x-regex", "1234");
        assertThat(hits(t, badRegex)).isFalse();
        HttpRequest badExact = get("/");
        badExact.headers().add(ok.headers()).set("x-exact", "A");
        assertThat(hits(t, badExact)).isFalse();
    }

    @Test
    void legacyHeaderMatcherFields() throws Exception {
        // given
        RouteTable t = only("""
                {"prefix": "/", "headers": [
                  {"name": "a", "exact_match": "1"},
                  {"name": "b", "prefix_match": "x"},
                  {"name": "c", "suffix_match": "y"},
                  {"name": "d", "contains_match": "z"},
                  {"name": "e", "safe_regex_match": {"regex": "v[0-9]"}}
                ]}""");
        HttpRequest r = get("/");
        r.headers().set("a", "1").set("b", "x1").set("c", "1y").set("d", "1z1").set("e", "v7");

        // when
        boolean all = hits(t, r);
        r.headers().set("e", "v77");
        boolean regexFails = hits(t, r);

        // then
        assertThat(all).isTrue();
        assertThat(regexFails).isFalse();
    }

    @Test
    void repeatedHeaderIsMatchedOnCommaJoinedValues() throws Exception {
        // given
        RouteTable t = only("{\"prefix\": \"/\", \"headers\": [{\"name\": \"x-tag\", \"string_match\": {\"exact\": \"a,b\"}}]}");
        HttpRequest r = get("/");
        r.headers().add("x-tag", "a").add("x-tag", "b");

        // then
        assertThat(hits(t, r)).isTrue();
    }

    @Test
    void presentAndInvertedHeaderMatchers() throws Exception {
        // given
        RouteTable present = only("{\"prefix\": \"/\", \"headers\": [{\"name\": \"x-debug\", \"present_match\": true}]}");
        RouteTable absent = only("{\"prefix\": \"/\", \"headers\": [{\"name\": \"x-debug\", \"present_match\": true, \"invert_match\": true}]}");
        RouteTable notCanary = only("{\"prefix\": \"/\", \"headers\": [{\"name\": \"x-canary\", \"string_match\": {\"exact\": \"1\"}, \"invert_match\": true}]}");
        RouteTable nameOnly = only("{\"prefix\": \"/\", \"headers\": [{\"name\": \"x-debug\"}]}");
        HttpRequest with = get("/");
        with.headers().set("x-debug", "").set("x-canary", "0");
        HttpRequest canary = get("/");
        canary.headers().set("x-canary", "1");
        HttpRequest without = get("/");

        // then
        assertThat(hits(present, with)).isTrue();
        assertThat(hits(present, without)).isFalse();
        assertThat(hits(absent, with)).isFalse();
        assertThat(hits(absent, without)).isTrue();
        assertThat(hits(nameOnly, with)).isTrue();
        assertThat(hits(nameOnly, without)).isFalse();
        assertThat(hits(notCanary, with)).isTrue();
        assertThat(hits(notCanary, canary)).isFalse();
        // Envoy: an inverted value matcher still needs the header to be there
        assertThat(hits(notCanary, without)).isFalse();
    }

    @Test
    void missingHeaderCanBeTreatedAsEmpty() throws Exception {
        // given
        RouteTable t = only("{\"prefix\": \"/\", \"headers\": [{\"name\": \"x-v\", \"string_match\": {\"exact\": \"\"}, \"treat_missing_header_as_empty\": true}]}");

        // then
        assertThat(hits(t, get("/"))).isTrue();
    }

    @Test
    void pseudoHeadersMatchTheRequestLine() throws Exception {
        // given
        RouteTable t = only("""
                {"prefix": "/", "headers": [
                  {"name": ":method", "string_match": {"exact": "GET"}},
                  {"name": ":authority", "string_match": {"suffix": ".local"}}
                ]}""");

        // then
        assertThat(hits(t, get("svc.local", "/"))).isTrue();
        assertThat(hits(t, get("svc.remote", "/"))).isFalse();
    }

    @Test
    void queryParameterMatchers() throws Exception {
        // given
        RouteTable t = only("""
                {"prefix": "/", "query_parameters": [
                  {"name": "model", "string_match": {"exact": "llama 3"}},
                  {"name": "debug", "present_match": true}
                ]}""");

        // then
        assertThat(hits(t, get("/?model=llama%203&debug"))).isTrue();
        assertThat(hits(t, get("/?debug=1&model=llama+3"))).isTrue();
        assertThat(hits(t, get("/?model=llama%203"))).isFalse();
        assertThat(hits(t, get("/?model=gpt&debug"))).isFalse();
        // only the first value of a repeated parameter counts
        assertThat(hits(t, get("/?model=gpt&model=llama+3&debug"))).isFalse();
    }

    @Test
    void queryIsDecodedOnceAcrossRoutes() throws Exception {
        // given: two routes that both read the query, the second matching
        RouteTable t = routes("""
                [{"name": "a", "match": {"prefix": "/", "query_parameters": [{"name": "v", "string_match": {"exact": "1"}}]}, "route": {"cluster": "a"}},
                 {"name": "b", "match": {"prefix": "/", "query_parameters": [{"name": "v", "string_match": {"exact": "2"}}]}, "route": {"cluster": "b"}}]""");

        // when
        RouteEntry e = t.match(get("/?v=2"));

        // then
        assertThat(e.name()).isEqualTo("b");
    }

    @Test
    void grpcMatchesOnlyGrpcContentTypes() throws Exception {
        // given
        RouteTable t = only("{\"prefix\": \"/\", \"grpc\": {}}");

        // then
        assertThat(hits(t, withContentType("application/grpc"))).isTrue();
        assertThat(hits(t, withContentType("application/grpc+proto"))).isTrue();
        assertThat(hits(t, withContentType("application/grpc-web"))).isFalse();
        assertThat(hits(t, withContentType("application/json"))).isFalse();
        assertThat(hits(t, get("/"))).isFalse();
    }

    private static HttpRequest withContentType(String ct) {
        HttpRequest r = get("/pkg.Svc/Method");
        r.headers().set("content-type", ct);
        return r;
    }

    @Test
    void firstMatchingRouteWinsAndUnnamedRoutesGetAnIndexName() throws Exception {
        // given
        RouteTable t = routes("""
                [{"match": {"prefix": "/api/v1"}, "route": {"cluster": "v1"}},
                 {"match": {"prefix": "/api"}, "route": {"cluster": "api"}},
                 {"name": "catch-all", "match": {"prefix": "/"}, "route": {"cluster": "web"}}]""");

        // when
        RouteEntry v1 = t.match(get("/api/v1/x"));
        RouteEntry api = t.match(get("/api/v2"));
        RouteEntry web = t.match(get("/"));

        // then
        assertThat(v1.name()).isEqualTo("vh/0");
        assertThat(v1.pickBackend().cluster()).isEqualTo("v1");
        assertThat(api.name()).isEqualTo("vh/1");
        assertThat(web.name()).isEqualTo("catch-all");
    }

    @Test
    void noMatchingRouteGivesNull() throws Exception {
        // given
        RouteTable t = only("{\"prefix\": \"/api\"}");

        // then
        assertThat(t.match(get("/web"))).isNull();
    }
}
