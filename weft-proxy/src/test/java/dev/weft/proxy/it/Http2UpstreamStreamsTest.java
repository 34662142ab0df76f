package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http2.Http2Error;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Upstream HTTP/2 streams against an upstream that controls its frames: flow control held by a
 * slow downstream, streams the upstream refuses, and a GOAWAY that leaves a stream unprocessed.
 */
class Http2UpstreamStreamsTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(BOUND)
            .build();

    @Test
    void aResponseLargerThanTheWindowsReachesASlowReaderWholeAndInOrder() throws Exception {
        // larger than the proxy's stream (1 MiB) and connection (16 MiB) windows and the socket buffers
        int size = 32 << 20;
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) {
            body[i] = (byte) (i % 251); // a prime period: DATA frames out of order would not match
        }
        try (ScriptedH2Upstream up = ScriptedH2Upstream.start(r -> r.respond(200, body));
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("h2", ""), Bootstraps.cluster("h2", true, "", up.port())));
             Socket downstream = new Socket()) {
            downstream.setReceiveBufferSize(64 << 10);
            downstream.connect(new InetSocketAddress("127.0.0.1", proxy.port()));
            downstream.getOutputStream().write("GET /big HTTP/1.1\r\nhost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            // Nothing is read yet: the proxy stops returning window for the parts it cannot relay,
            // so the upstream stops, most of the body unsent (without back-pressure it sends it all).
            long[] last = {-1};
            await().atMost(BOUND).during(Duration.ofMillis(500)).until(() -> {
                long sent = up.bytesSent();
                boolean stalled = sent == last[0] && sent > 0 && sent < size / 2;
                last[0] = sent;
                return stalled;
            });

            InputStream in = downstream.getInputStream();
            String head = RawUpstream.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + size);
            byte[] received = in.readNBytes(size);
            assertThat(received).hasSize(size);
            assertThat(Arrays.mismatch(received, body)).as("first byte that differs").isEqualTo(-1);
            assertThat(proxy.stat("cluster.h2.upstream_rq_2xx")).isEqualTo(1);
        }
    }

    @Test
    void aStreamTheUpstreamRefusesIsRetriedOnTheSameConnection() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        try (ScriptedH2Upstream up = ScriptedH2Upstream.start(r -> {
                    if (seen.incrementAndGet() == 1) {
                        r.reset(Http2Error.REFUSED_STREAM);
                    } else {
                        r.respond(200, "ok".getBytes(StandardCharsets.US_ASCII));
                    }
                });
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("h2", "retry_policy: {retry_on: refused-stream, num_retries: 1}"),
                     Bootstraps.cluster("h2", true, "", up.port())))) {
            HttpResponse<String> r = get(proxy.uri("/x"));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
            assertThat(up.requests()).isEqualTo(2);
            assertThat(up.connections()).as("a refused stream leaves its connection usable").isEqualTo(1);
            assertThat(proxy.stat("cluster.h2.upstream_rq_retry")).isEqualTo(1);
        }
    }

    @Test
    void aRefusedStreamWithoutARetryPolicyIsA503() throws Exception {
        try (ScriptedH2Upstream up = ScriptedH2Upstream.start(r -> r.reset(Http2Error.REFUSED_STREAM));
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("h2", ""),
                     Bootstraps.cluster("h2", true, "", up.port())))) {
            HttpResponse<String> r = get(proxy.uri("/x"));

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("x-weft-error")).hasValue("upstream_reset");
            assertThat(up.requests()).isEqualTo(1);
        }
    }

    @Test
    void aStreamAGoAwayExcludesIsRetriedOnANewConnectionAndTheOtherCompletes() throws Exception {
        List<ScriptedH2Upstream.Request> held = new ArrayList<>();
        try (ScriptedH2Upstream up = ScriptedH2Upstream.start(r -> {
                    if (r.connection > 1) {
                        r.respond(200, ("retried " + r.headers.path()).getBytes(StandardCharsets.US_ASCII));
                        return;
                    }
                    held.add(r); // the connection's event loop only
                    if (held.size() == 2) {
                        ScriptedH2Upstream.Request first = held.get(0);
                        first.goAway(first.streamId);
                        first.respond(200, ("first " + first.headers.path()).getBytes(StandardCharsets.US_ASCII));
                    }
                });
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("h2", "retry_policy: {retry_on: refused-stream, num_retries: 1}"),
                     Bootstraps.cluster("h2", true, "", up.port())));
             H2cClient downstream = H2cClient.connect(proxy.port())) {
            // one downstream connection: both exchanges run on one event loop, so share one upstream connection
            CompletableFuture<H2cClient.Response> a = downstream.send("GET", "/a", Map.of(), null);
            CompletableFuture<H2cClient.Response> b = downstream.send("GET", "/b", Map.of(), null);

            H2cClient.Response ra = a.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            H2cClient.Response rb = b.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(ra.status()).isEqualTo(200);
            assertThat(rb.status()).isEqualTo(200);
            assertThat(List.of(ra.bodyText(), rb.bodyText()))
                    .as("the stream the GOAWAY covered is answered there, the other on a new connection")
                    .isIn(List.of("first /a", "retried /b"), List.of("retried /a", "first /b"));
            assertThat(up.connections()).isEqualTo(2);
            assertThat(up.requests()).isEqualTo(3);
            assertThat(proxy.stat("cluster.h2.upstream_rq_retry")).isEqualTo(1);
            // the connection that went away closes once its last stream is done
            await().atMost(BOUND).until(() -> proxy.stat("cluster.h2.upstream_cx_active") == 1);
        }
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).timeout(BOUND).build(), HttpResponse.BodyHandlers.ofString());
    }
}
