package dev.weft.proxy.route;

import static dev.weft.proxy.route.RouteFixtures.get;
import static dev.weft.proxy.route.RouteFixtures.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Direct responses and redirects: responses the proxy makes itself. */
class LocalResponseTest {
    @Test
    void directResponseHasStatusBodyLengthAndResponseHeaders() throws Exception {
        // given
        RouteEntry e = routes("""
                [{"match": {"prefix": "/"}, "direct_response": {"status": 503, "body": {"inline_string": "down for maintenance"}},
                  "response_headers_to_add": [{"header": {"key": "retry-after", "value": "60"}}]}]""").match(get("/"));

        // when
        FullHttpResponse resp = e.directResponse(PooledByteBufAllocator.DEFAULT);

        // then
        try {
            assertThat(resp.status().code()).isEqualTo(503);
            assertThat(resp.content().toString(StandardCharsets.UTF_8)).isEqualTo("down for maintenance");
            assertThat(resp.headers().getInt("content-length")).isEqualTo(20);
            assertThat(resp.headers().get("content-type")).isEqualTo("text/plain");
            assertThat(resp.headers().get("retry-after")).isEqualTo("60");
        } finally {
            resp.release();
        }
    }

    @Test
    void directResponseWithBytesOrNoBody() throws Exception {
        // given
        RouteTable t = routes("""
                [{"match": {"path": "/bytes"}, "direct_response": {"status": 200, "body": {"inline_bytes": "AAEC"}}},
                 {"match": {"path": "/empty"}, "direct_response": {"status": 204}}]""");

        // when
        FullHttpResponse bytes = t.match(get("/bytes")).directResponse(PooledByteBufAllocator.DEFAULT);
        FullHttpResponse empty = t.match(get("/empty")).directResponse(PooledByteBufAllocator.DEFAULT);

        // then
        try {
            byte[] body = new byte[bytes.content().readableBytes()];
            bytes.content().getBytes(0, body);
            assertThat(body).containsExactly(0, 1, 2);
            assertThat(empty.status().code()).isEqualTo(204);
            assertThat(empty.content().readableBytes()).isZero();
            assertThat(empty.headers().getInt("content-length")).isZero();
            assertThat(empty.headers().contains("content-type")).isFalse();
        } finally {
            bytes.release();
            empty.release();
        }
    }

    @ParameterizedTest(name = "{0} {1}{2} -> {4}")
    @CsvSource(delimiter = '|', textBlock = """
            "https_redirect": true                          | foo.com      | /a?b=1  | false | https://foo.com/a?b=1
            "https_redirect": true                          | foo.com:80   | /a      | false | https://foo.com/a
            "https_redirect": true                          | foo.com:8080 | /a      | false | https://foo.com:8080/a
            "scheme_redirect": "http"                       | foo.com:443  | /a      | true  | http://foo.com/a
            "host_redirect": "new.example"                  | foo.com:8080 | /a?b=1  | false | http://new.example/a?b=1
            "port_redirect": 8443                           | foo.com:8080 | /a      | true  | https://foo.com:8443/a
            "host_redirect": "n.example", "port_redirect": 81 | foo.com    | /a      | false | http://n.example:81/a
            "path_redirect": "/new"                         | foo.com      | /old?b=1 | false | http://foo.com/new?b=1
            "path_redirect": "/new", "strip_query": true    | foo.com      | /old?b=1 | false | http://foo.com/new
            "path_redirect": "/new?f=1", "strip_query": true | foo.com     | /old?b=1 | false | http://foo.com/new?f=1
            "strip_query": true                             | foo.com      | /old?b=1 | false | http://foo.com/old
            "prefix_rewrite": "/v2/"                        | foo.com      | /v1/models?x=1 | false | http://foo.com/v2/v1/models?x=1
            "regex_rewrite": {"pattern": {"regex": "^/v1/(.*)$"}, "substitution": "/api/\\\\1"} | foo.com | /v1/chat?s=1 | false | http://foo.com/api/chat?s=1
            """)
    void redirectLocation(String action, String host, String uri, boolean secure, String location) throws Exception {
        // given
        RouteEntry e = routes("[{\"match\": {\"prefix\": \"/\"}, \"redirect\": {" + action + "}}]").match(get(host, uri));

        // when
        FullHttpResponse resp = e.redirectResponse(get(host, uri), secure);

        // then
        try {
            assertThat(resp.status().code()).isEqualTo(301);
            assertThat(resp.headers().get("location")).isEqualTo(location);
            assertThat(resp.headers().getInt("content-length")).isZero();
        } finally {
            resp.release();
        }
    }

    @Test
    void prefixRewriteRedirectReplacesOnlyTheMatchedPrefix() throws Exception {
        // given
        RouteEntry e = routes("[{\"match\": {\"prefix\": \"/v1/\"}, \"redirect\": {\"prefix_rewrite\": \"/\"}}]").match(get("/v1/x"));

        // when
        FullHttpResponse resp = e.redirectResponse(get("foo.com", "/v1/x/v1/?q"), false);

        // then
        try {
            assertThat(resp.headers().get("location")).isEqualTo("http://foo.com/x/v1/?q");
        } finally {
            resp.release();
        }
    }

    @ParameterizedTest
    @CsvSource({"MOVED_PERMANENTLY, 301", "FOUND, 302", "SEE_OTHER, 303", "TEMPORARY_REDIRECT, 307", "PERMANENT_REDIRECT, 308"})
    void redirectResponseCodes(String code, int status) throws Exception {
        // given
        RouteEntry e = routes("[{\"match\": {\"prefix\": \"/\"}, \"redirect\": {\"https_redirect\": true, \"response_code\": \""
                + code + "\"}, \"response_headers_to_add\": [{\"header\": {\"key\": \"x-why\", \"value\": \"tls\"}}]}]")
                .match(get("/"));

        // when
        FullHttpResponse resp = e.redirectResponse(get("/"), false);

        // then
        try {
            assertThat(e.kind()).isEqualTo(RouteEntry.Kind.REDIRECT);
            assertThat(resp.status().code()).isEqualTo(status);
            assertThat(resp.headers().get("x-why")).isEqualTo("tls");
        } finally {
            resp.release();
        }
    }
}
