package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How the proxy reads HTTP/1.1 responses from its upstream: responses whose framing depends on
 * the request (HEAD) or the status (204, 304) keep a pooled connection in step, and a response
 * that cannot be read never reaches the client as if it were one.
 */
class UpstreamResponseProxyTest {
    private static final Duration BOUND = Duration.ofSeconds(5);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(BOUND)
            .build();

    @Test
    void aResponseWithAFieldNameThatIsNotATokenIsA502WithItsCode() throws Exception {
        try (RawUpstream up = RawUpstream.start((n, head, socket) -> {
                 OutputStream out = socket.getOutputStream();
                 out.write(RawClient.bytes("HTTP/1.1 200 OK\r\nX(bad): 1\r\nContent-Length: 2\r\n\r\nok"));
                 out.flush();
             });
             ProxyFixture proxy = proxy(up.port())) {
            RawClient.Response r = RawClient.exchange(proxy.port(),
                    RawClient.bytes("GET /bad HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"), BOUND);

            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("x-weft-error")).isEqualTo("upstream_protocol_error");
            assertThat(r.bodyText()).contains("malformed HTTP/1.1 response from the upstream");
            assertThat(r.header("x-bad")).isNull();
        }
    }

    @Test
    void aBodyThatTurnsMalformedAbortsTheResponseAlreadyStarted() throws Exception {
        try (RawUpstream up = RawUpstream.start((n, head, socket) -> {
                 OutputStream out = socket.getOutputStream();
                 out.write(RawClient.bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n"));
                 out.flush();
                 socket.getInputStream().read(); // hold the connection until the proxy closes it
             });
             ProxyFixture proxy = proxy(up.port())) {
            RawClient.Response r = RawClient.exchange(proxy.port(),
                    RawClient.bytes("GET /cut HTTP/1.1\r\nHost: test\r\n\r\n"), BOUND);

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.closed()).isTrue();
            assertThat(r.bodyText()).doesNotEndWith("0\r\n\r\n"); // never a complete chunked body
        }
    }

    @Test
    void headNoContentAndNotModifiedKeepThePooledConnectionInStep() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (RawUpstream up = RawUpstream.start((n, head, socket) -> {
                 connections.incrementAndGet();
                 InputStream in = socket.getInputStream();
                 OutputStream out = socket.getOutputStream();
                 for (String h = head; h != null; h = RawUpstream.readHead(in)) {
                     String path = h.split(" ", 3)[1];
                     String response = switch (path) {
                         // a HEAD response announces the length of the body it does not carry
                         case "/head" -> "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n";
                         case "/none" -> "HTTP/1.1 204 No Content\r\nServer: raw\r\n\r\n";
                         case "/same" -> "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n";
                         default -> "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
                     };
                     out.write(RawClient.bytes(response));
                     out.flush();
                 }
             });
             ProxyFixture proxy = proxy(up.port())) {
            HttpResponse<String> head = send(proxy, "HEAD", "/head");
            HttpResponse<String> get1 = send(proxy, "GET", "/get");
            HttpResponse<String> none = send(proxy, "GET", "/none");
            HttpResponse<String> same = send(proxy, "GET", "/same");
            HttpResponse<String> get2 = send(proxy, "GET", "/get");

            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("content-length")).hasValue("5");
            assertThat(head.body()).isEmpty();
            assertThat(get1.body()).isEqualTo("hello");
            assertThat(none.statusCode()).isEqualTo(204);
            assertThat(none.headers().firstValue("server")).hasValue("raw");
            assertThat(same.statusCode()).isEqualTo(304);
            assertThat(same.headers().firstValue("etag")).hasValue("\"v1\"");
            assertThat(get2.body()).isEqualTo("hello");
            assertThat(connections.get()).isEqualTo(1);
        }
    }

    private HttpResponse<String> send(ProxyFixture proxy, String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.uri(path)).timeout(BOUND)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ProxyFixture proxy(int upstreamPort) throws Exception {
        return ProxyFixture.start(Bootstraps.of(
                Bootstraps.routeTo("backend", ""),
                Bootstraps.cluster("backend", false, "", upstreamPort)));
    }
}
