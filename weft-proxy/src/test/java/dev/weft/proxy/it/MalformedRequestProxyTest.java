package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests the strict HTTP/1.1 parser must refuse, sent as raw bytes through a real listener: each
 * gets the proxy's own error response, the connection is closed, and nothing reaches the upstream.
 */
class MalformedRequestProxyTest {
    private static final Duration BOUND = Duration.ofSeconds(5);

    private static ScriptedUpstream upstream;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = ScriptedUpstream.ok("should never be reached");
        proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("backend", ""),
                Bootstraps.cluster("backend", false, "", upstream.port())));
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("Content-Length and Transfer-Encoding", 400, "bad_request",
                        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("duplicate Content-Length", 400, "bad_request",
                        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
                Arguments.of("malformed Content-Length", 400, "bad_request",
                        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\nhello"),
                Arguments.of("bad chunk size", 400, "bad_request",
                        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("bare LF line endings", 400, "bad_request",
                        "GET / HTTP/1.1\nHost: t\n\n"),
                Arguments.of("bare CR", 400, "bad_request",
                        "GET / HTTP/1.1\r\nHost: t\rX-Smuggled: yes\r\n\r\n"),
                Arguments.of("obs-fold", 400, "bad_request",
                        "GET / HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n b\r\n\r\n"),
                Arguments.of("whitespace before colon", 400, "bad_request",
                        "GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n"),
                Arguments.of("invalid char in header name", 400, "bad_request",
                        "GET / HTTP/1.1\r\nHost: t\r\nX(Bad): yes\r\n\r\n"),
                Arguments.of("control char in header value", 400, "bad_request",
                        "GET / HTTP/1.1\r\nHost: t\r\nX-Ctl: a\u0001b\r\n\r\n"),
                Arguments.of("missing Host", 400, "bad_request",
                        "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
                Arguments.of("two Host headers", 400, "bad_request",
                        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                Arguments.of("headers over 60 KiB", 431, "request_headers_too_large",
                        "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "x".repeat(61 * 1024) + "\r\n\r\n"),
                // still arriving when the proxy answers: its response must not be lost to a reset
                Arguments.of("headers of 1 MiB", 431, "request_headers_too_large",
                        "GET / HTTP/1.1\r\nHost: t\r\nX-Huge: " + "x".repeat(1024 * 1024) + "\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void isRefusedAndTheConnectionClosed(String name, int status, String code, String request) throws Exception {
        long requestsBefore = proxy.stat("http.main.downstream_rq_total");
        long errorsBefore = proxy.stat("http.main.weft_error." + code);

        RawClient.Response r = RawClient.exchange(proxy.port(), RawClient.bytes(request), BOUND);

        assertThat(r.statusLine()).startsWith("HTTP/1.1 " + status + " ");
        assertThat(r.header("x-weft-error")).isEqualTo(code);
        assertThat(r.bodyText()).startsWith(code + ": ");
        assertThat(r.header("connection")).isEqualToIgnoringCase("close");
        assertThat(r.closed()).as("connection closed after the response").isTrue();
        assertThat(upstream.requests()).isZero();
        assertThat(proxy.stat("http.main.downstream_rq_total")).isEqualTo(requestsBefore);
        assertThat(proxy.stat("http.main.weft_error." + code)).isEqualTo(errorsBefore + 1);
    }

    @Test
    void aWellFormedRequestStillGoesThrough() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/fine")).timeout(BOUND).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstream.seen()).extracting(ScriptedUpstream.Seen::uri).containsExactly("/fine");
    }
}
