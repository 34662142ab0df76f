package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Cluster circuit breakers end to end: max_requests, max_pending_requests, max_connections (across
 * the proxy's event loops) and max_retries, and the overflow responses the proxy makes.
 */
class CircuitBreakerProxyTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final String CLUSTER_PATH = "static_resources.clusters[0]";

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(BOUND)
            .build();

    private static ProxyFixture proxy(int port, String thresholds, String routeExtra, boolean http2) throws Exception {
        return ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("b", routeExtra),
                Bootstraps.cluster("b", http2, "circuit_breakers: {thresholds: [" + thresholds + "]}\n", port)));
    }

    private CompletableFuture<HttpResponse<String>> send(ProxyFixture proxy, String path) {
        return client.sendAsync(HttpRequest.newBuilder(proxy.uri(path)).timeout(BOUND).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(ProxyFixture proxy, String path) throws Exception {
        return send(proxy, path).get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void requestBeyondMaxRequestsGetsAnOverflowReplyAtOnce() throws Exception {
        try (ModelServer up = ModelServer.start(ModelServerConfig.defaults());
             ProxyFixture proxy = proxy(up.port(), "{max_requests: 2}", "", false)) {
            // given: two requests in flight
            CompletableFuture<HttpResponse<String>> first = send(proxy, "/delay/1500");
            CompletableFuture<HttpResponse<String>> second = send(proxy, "/delay/1500");
            await().atMost(BOUND).until(() -> up.inFlight() == 2);

            // when
            long start = System.nanoTime();
            HttpResponse<String> third = get(proxy, "/delay/10");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            HttpResponse<String> grpc = client.send(HttpRequest.newBuilder(proxy.uri("/pkg.Svc/Call")).timeout(BOUND)
                    .header("content-type", "application/grpc")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5])).build(), HttpResponse.BodyHandlers.ofString());

            // then
            assertThat(third.statusCode()).isEqualTo(503);
            assertThat(third.headers().firstValue("x-weft-error")).hasValue("overflow");
            assertThat(third.body()).contains("max_requests");
            assertThat(tookMs).isLessThan(1_000);
            assertThat(grpc.statusCode()).isEqualTo(200);
            assertThat(grpc.headers().firstValue("grpc-status")).hasValue("14");
            assertThat(grpc.headers().firstValue("grpc-message").orElseThrow()).contains("max_requests");
            assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(second.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(up.requestCount()).isEqualTo(2);
            assertThat(proxy.stat("cluster.b.upstream_rq_pending_overflow")).isEqualTo(2);
            assertThat(proxy.stat("http.main.weft_error.overflow")).isEqualTo(2);
            // a request's slot is given back when its exchange ends, maybe just after the client read it
            await().atMost(BOUND).until(() -> proxy.stat("cluster.b.circuit_breakers.default.remaining_rq") == 2);
        }
    }

    @Test
    void requestsQueueForAConnectionUpToMaxPendingRequests() throws Exception {
        try (ModelServer up = ModelServer.start(ModelServerConfig.defaults());
             ProxyFixture proxy = proxy(up.port(), "{max_connections: 1, max_pending_requests: 1}", "", false)) {
            // given: the one connection is busy, and one request waits for it
            CompletableFuture<HttpResponse<String>> busy = send(proxy, "/delay/1000");
            await().atMost(BOUND).until(() -> up.inFlight() == 1);
            CompletableFuture<HttpResponse<String>> queued = send(proxy, "/delay/1");
            await().atMost(BOUND).until(() -> proxy.stat("cluster.b.upstream_rq_pending_active") == 1);

            // when
            HttpResponse<String> rejected = get(proxy, "/delay/1");

            // then: the third is turned away while the first two still run
            assertThat(rejected.statusCode()).isEqualTo(503);
            assertThat(rejected.headers().firstValue("x-weft-error")).hasValue("overflow");
            assertThat(rejected.body()).contains("max_pending_requests");
            assertThat(busy).isNotDone();
            assertThat(queued).isNotDone();
            assertThat(busy.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(queued.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(proxy.stat("cluster.b.upstream_rq_pending_overflow")).isEqualTo(1);
            assertThat(proxy.stat("cluster.b.upstream_cx_overflow")).isGreaterThanOrEqualTo(1);
            assertThat(proxy.stat("cluster.b.upstream_rq_pending_active")).isZero();
            assertThat(up.requestCount()).isEqualTo(2);
        }
    }

    @Test
    void maxConnectionsHoldsAcrossEventLoops() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, body) -> {
                 maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                 awaitQuietly(release);
                 concurrent.decrementAndGet();
                 ScriptedUpstream.respond(ex, 200, "ok " + n);
             });
             ProxyFixture proxy = proxy(up.port(), "{max_connections: 2}", "", false)) {
            // given: six client connections, spread over the proxy's two event loops
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                all.add(send(proxy, "/" + i));
            }

            // when: two reach the upstream, the other four wait for a connection
            await().atMost(BOUND).until(() -> proxy.stat("cluster.b.upstream_rq_pending_active") == 4);
            assertThat(up.requests()).isEqualTo(2);
            assertThat(proxy.stat("cluster.b.upstream_cx_active")).isEqualTo(2);
            assertThat(proxy.stat("cluster.b.circuit_breakers.default.remaining_cx")).isZero();
            release.countDown();

            // then: all are answered, never over two connections at once
            for (CompletableFuture<HttpResponse<String>> f : all) {
                assertThat(f.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(maxConcurrent.get()).isEqualTo(2);
            assertThat(up.requests()).isEqualTo(6);
            assertThat(proxy.stat("cluster.b.upstream_cx_active")).isLessThanOrEqualTo(2);
            assertThat(proxy.stat("cluster.b.upstream_rq_pending_overflow")).isZero();
            assertThat(proxy.stat("cluster.b.upstream_cx_overflow")).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void http2ConnectionLimitIsSharedByTheEventLoops() throws Exception {
        try (ModelServer up = ModelServer.start(ModelServerConfig.builder().h2c(true).build());
             ProxyFixture proxy = proxy(up.port(), "{max_connections: 1}", "", true)) {
            // when: requests on several client connections (and so on both event loops), twice over
            for (int round = 0; round < 2; round++) {
                List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    all.add(send(proxy, "/delay/200"));
                }

                // then
                for (CompletableFuture<HttpResponse<String>> f : all) {
                    assertThat(f.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
                }
            }
            assertThat(proxy.stat("cluster.b.upstream_cx_active")).isLessThanOrEqualTo(1);
            assertThat(proxy.stat("cluster.b.upstream_rq_2xx")).isEqualTo(12);
        }
    }

    @Test
    void retryBeyondMaxRetriesIsNotAttemptedAndTheFailureIsReturned() throws Exception {
        CountDownLatch firstAttempts = new CountDownLatch(2);
        CountDownLatch releaseRetry = new CountDownLatch(1);
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, body) -> {
                 if (n <= 2) {
                     // both first attempts fail together, so both want a retry at once
                     firstAttempts.countDown();
                     awaitQuietly(firstAttempts);
                     ScriptedUpstream.respond(ex, 503, "first attempt failed");
                 } else {
                     awaitQuietly(releaseRetry);
                     ScriptedUpstream.respond(ex, 200, "retried");
                 }
             });
             ProxyFixture proxy = proxy(up.port(), "{max_retries: 1}",
                     "retry_policy: {retry_on: 5xx, num_retries: 3}", false)) {
            // given
            CompletableFuture<HttpResponse<String>> a = send(proxy, "/a");
            CompletableFuture<HttpResponse<String>> b = send(proxy, "/b");

            // when: one of them takes the only retry slot, the other gets its upstream's answer
            CompletableFuture.anyOf(a, b).get(BOUND.toSeconds(), TimeUnit.SECONDS);
            CompletableFuture<HttpResponse<String>> retrying = a.isDone() ? b : a;
            HttpResponse<String> overflowed = (a.isDone() ? a : b).join();
            assertThat(retrying).isNotDone();
            releaseRetry.countDown();
            HttpResponse<String> retried = retrying.get(BOUND.toSeconds(), TimeUnit.SECONDS);

            // then
            assertThat(overflowed.statusCode()).isEqualTo(503);
            assertThat(overflowed.body()).isEqualTo("first attempt failed");
            assertThat(overflowed.headers().firstValue("x-weft-error")).isEmpty();
            assertThat(retried.statusCode()).isEqualTo(200);
            assertThat(retried.body()).isEqualTo("retried");
            assertThat(up.requests()).isEqualTo(3);
            assertThat(proxy.stat("cluster.b.upstream_rq_retry_overflow")).isEqualTo(1);
            assertThat(proxy.stat("cluster.b.upstream_rq_retry")).isEqualTo(1);
            // the slot is given back when the exchange ends, which may be just after the client read it
            await().atMost(BOUND).until(() -> proxy.stat("cluster.b.circuit_breakers.default.remaining_retries") == 1);
        }
    }

    @Test
    void zeroMaxRetriesDisablesRetries() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, body) -> ScriptedUpstream.respond(ex, 503, "no"));
             ProxyFixture proxy = proxy(up.port(), "{max_retries: 0}", "retry_policy: {retry_on: 5xx, num_retries: 3}", false)) {
            HttpResponse<String> r = get(proxy, "/");

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(up.requests()).isEqualTo(1);
            assertThat(proxy.stat("cluster.b.upstream_rq_retry_overflow")).isEqualTo(1);
        }
    }

    @Test
    void unsupportedPartsAreRejectedWithTheirPaths() {
        String high = Bootstraps.of(Bootstraps.routeTo("b", ""), Bootstraps.cluster("b", false,
                "circuit_breakers: {thresholds: [{priority: HIGH, max_requests: 5}]}\n", 1));
        String perHost = Bootstraps.of(Bootstraps.routeTo("b", ""), Bootstraps.cluster("b", false,
                "circuit_breakers: {per_host_thresholds: [{max_connections: 1}]}\n", 1));
        String budget = Bootstraps.of(Bootstraps.routeTo("b", ""), Bootstraps.cluster("b", false,
                "circuit_breakers: {thresholds: [{retry_budget: {min_retry_concurrency: 3}}]}\n", 1));

        ConfigException highError = catchThrowableOfType(ConfigException.class, () -> BootstrapLoader.parse(high, "b.yaml"));
        ConfigException perHostError = catchThrowableOfType(ConfigException.class, () -> BootstrapLoader.parse(perHost, "b.yaml"));
        ConfigException budgetError = catchThrowableOfType(ConfigException.class, () -> BootstrapLoader.parse(budget, "b.yaml"));

        assertThat(highError.path()).isEqualTo(CLUSTER_PATH + ".circuit_breakers.thresholds[0].priority");
        assertThat(highError.reason()).contains("HIGH is not supported");
        assertThat(perHostError.path()).isEqualTo(CLUSTER_PATH + ".circuit_breakers.per_host_thresholds");
        assertThat(budgetError.path()).isEqualTo(CLUSTER_PATH + ".circuit_breakers.thresholds[0].retry_budget");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
