package dev.weft.proxy.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.it.Bootstraps;
import dev.weft.proxy.it.ProxyFixture;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A telemetry sink on a real proxy sees each exchange as it goes: the head before routing (and a header it
 * adds is forwarded), one upstream request per attempt, the response head and body, and one completion with
 * what happened (route, cluster, endpoint, sizes, times in order), also for local replies and for a client
 * that goes away midway.
 */
class ExchangeObserverProxyTest {
    private static final String BODY = "0123456789".repeat(100);

    private HttpServer upstream;
    private final AtomicInteger upstreamRequests = new AtomicInteger();
    private final CopyOnWriteArrayList<String> seenHeader = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final Recorder recorder = new Recorder();
    private ProxyFixture proxy;

    @BeforeEach
    void start() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", ex -> {
            upstreamRequests.incrementAndGet();
            seenHeader.add(String.valueOf(ex.getRequestHeaders().getFirst("x-observed")));
            byte[] in = ex.getRequestBody().readAllBytes();
            byte[] out = (BODY + in.length).getBytes(StandardCharsets.UTF_8);
            if (ex.getRequestURI().getPath().equals("/slow")) {
                ex.sendResponseHeaders(200, 0);
                OutputStream os = ex.getResponseBody();
                os.write(out);
                os.flush();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.close();
                return;
            }
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        upstream.start();
        String yaml = Bootstraps.of("""
                - name: api
                  match: {prefix: "/api"}
                  route: {cluster: app}
                - name: slow
                  match: {prefix: "/slow"}
                  route: {cluster: app}
                """, Bootstraps.cluster("app", false, "", upstream.getAddress().getPort()))
                .replace("    filter_chains:", "    traffic_direction: OUTBOUND\n    filter_chains:");
        proxy = ProxyFixture.start(yaml, recorder);
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (proxy != null) {
            proxy.close();
        }
        upstream.stop(0);
    }

    @Test
    void aForwardedRequestIsSeenFromHeadToCompletion() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var response = client.send(java.net.http.HttpRequest.newBuilder(proxy.uri("/api/chat?x=1"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("hello")).build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);

        RequestInfo info = recorder.completedOne();
        assertThat(seenHeader).containsExactly("added-by-observer");
        assertThat(info.listenerName()).isEqualTo("main");
        assertThat(info.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(info.method()).isEqualTo("POST");
        assertThat(info.path()).isEqualTo("/api/chat?x=1");
        assertThat(info.authority()).isEqualTo("127.0.0.1:" + proxy.port());
        assertThat(info.protocol()).isEqualTo("HTTP/1.1");
        assertThat(info.routeName()).isEqualTo("api");
        assertThat(info.clusterName()).isEqualTo("app");
        assertThat(info.upstreamHost()).isEqualTo("127.0.0.1:" + upstream.getAddress().getPort());
        assertThat(info.upstreamCluster().name()).isEqualTo("app");
        assertThat(info.upstreamEndpoint().address()).isEqualTo(info.upstreamAddress());
        assertThat(recorder.requestContent.toString()).isEqualTo("hello");
        assertThat(info.attempts()).isEqualTo(1);
        assertThat(recorder.upstreamRequests.get()).isEqualTo(1);
        assertThat(info.status()).isEqualTo(200);
        assertThat(info.error()).isNull();
        assertThat(info.requestBodyBytes()).isEqualTo(5);
        assertThat(info.responseBodyBytes()).isEqualTo(BODY.length() + 1);
        assertThat(recorder.contentBytes.get()).isEqualTo(BODY.length() + 1);
        assertThat(info.completed()).isTrue();
        assertThat(info.downstreamPeerPrincipal()).isNull();
        assertThat(info.startNanos()).isPositive();
        // the body streams upstream as it comes: the upstream request may start before the request has ended
        assertThat(List.of(info.startNanos(), info.upstreamStartNanos(), info.upstreamFirstByteNanos(),
                info.responseFirstByteNanos(), info.endNanos())).isSorted();
        assertThat(info.requestEndNanos()).isBetween(info.startNanos(), info.endNanos());
        long nowMicros = System.currentTimeMillis() * 1000;
        assertThat(info.startEpochMicros()).isBetween(nowMicros - 60_000_000L, nowMicros + 1_000_000L);
    }

    @Test
    void aLocalReplyCarriesItsErrorAndNoUpstream() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var response = client.send(java.net.http.HttpRequest.newBuilder(proxy.uri("/nowhere")).build(),
                BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(404);

        RequestInfo info = recorder.completedOne();
        assertThat(info.status()).isEqualTo(404);
        assertThat(info.error()).isEqualTo(WeftError.NO_ROUTE);
        assertThat(info.routeName()).isNull();
        assertThat(info.clusterName()).isNull();
        assertThat(info.attempts()).isZero();
        assertThat(info.upstreamHost()).isNull();
        assertThat(info.upstreamCluster()).isNull();
        assertThat(info.upstreamEndpoint()).isNull();
        assertThat(info.responseBodyBytes()).isEqualTo(response.body().length());
        assertThat(info.completed()).isTrue();
        assertThat(upstreamRequests.get()).isZero();
    }

    @Test
    void aClientThatLeavesMidResponseEndsTheExchangeIncomplete() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: models\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            assertThat(in.read(buf)).isPositive(); // the response started
        }
        RequestInfo info = recorder.completedOne();
        assertThat(info.completed()).isFalse();
        assertThat(info.status()).isEqualTo(200);
        assertThat(info.routeName()).isEqualTo("slow");
        assertThat(info.authority()).isEqualTo("models");
    }

    /** Records what a listener's observer is told. */
    static final class Recorder implements Telemetry.Sink, ExchangeObserver {
        final CopyOnWriteArrayList<RequestInfo> completed = new CopyOnWriteArrayList<>();
        final AtomicInteger upstreamRequests = new AtomicInteger();
        final AtomicInteger contentBytes = new AtomicInteger();
        final StringBuffer requestContent = new StringBuffer();

        @Override
        public ExchangeObserver observerFor(ListenerSpec listener, HttpSettings settings) {
            return this;
        }

        @Override
        public void onRequestHead(RequestInfo info, HttpRequest request) {
            request.headers().set("x-observed", "added-by-observer");
        }

        @Override
        public void onUpstreamRequest(RequestInfo info, HttpRequest upstreamHead) {
            upstreamRequests.incrementAndGet();
        }

        @Override
        public void onResponseHead(RequestInfo info, HttpResponse head) {
            assertThat(info.status()).isEqualTo(head.status().code());
        }

        @Override
        public void onRequestContent(RequestInfo info, ByteBuf content) {
            requestContent.append(content.toString(content.readerIndex(), content.readableBytes(), StandardCharsets.UTF_8));
        }

        @Override
        public void onResponseContent(RequestInfo info, ByteBuf content) {
            contentBytes.addAndGet(content.readableBytes());
        }

        @Override
        public void onComplete(RequestInfo info) {
            completed.add(info);
        }

        RequestInfo completedOne() {
            await().atMost(Duration.ofSeconds(10)).until(() -> !completed.isEmpty());
            assertThat(completed).hasSize(1);
            return completed.get(0);
        }
    }
}
