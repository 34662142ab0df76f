package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Route retry policies and timeouts end to end: what the client gets and what the upstream saw. */
class RetryProxyTest {
    private static final Duration BOUND = Duration.ofSeconds(5);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(BOUND)
            .build();

    @Test
    void flakyUpstreamIsRetriedUntilItAnswers() throws Exception {
        try (ScriptedUpstream up = failingFirst(2, 503);
             ProxyFixture proxy = proxy(up.port(), "retry_policy: {retry_on: 5xx, num_retries: 2}")) {
            HttpResponse<String> r = get(proxy, "/flaky");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
            assertThat(up.requests()).isEqualTo(3);
            assertThat(proxy.stat("cluster.backend.upstream_rq_retry")).isEqualTo(2);
            assertThat(proxy.stat("cluster.backend.upstream_rq_5xx")).isEqualTo(2);
            assertThat(proxy.stat("cluster.backend.upstream_rq_2xx")).isEqualTo(1);
        }
    }

    @Test
    void exhaustedRetriesRelayTheUpstreamsLastResponse() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, body) -> {
                 ex.getResponseHeaders().add("x-attempt", Integer.toString(n));
                 ScriptedUpstream.respond(ex, 503, "upstream overloaded " + n);
             });
             ProxyFixture proxy = proxy(up.port(), "retry_policy: {retry_on: 5xx, num_retries: 2}")) {
            HttpResponse<String> r = get(proxy, "/always-503");

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("upstream overloaded 3");
            assertThat(r.headers().firstValue("x-attempt")).hasValue("3");
            assertThat(r.headers().firstValue("x-weft-error")).isEmpty();
            assertThat(up.requests()).isEqualTo(3);
            assertThat(proxy.stat("cluster.backend.upstream_rq_retry")).isEqualTo(2);
        }
    }

    @Test
    void retriableStatusCodesRetryOnlyTheListedStatuses() throws Exception {
        String policy = "retry_policy: {retry_on: retriable-status-codes, retriable_status_codes: [409], num_retries: 1}";
        try (ScriptedUpstream conflict = failingFirst(1, 409);
             ProxyFixture proxy = proxy(conflict.port(), policy)) {
            HttpResponse<String> r = get(proxy, "/");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(conflict.requests()).isEqualTo(2);
        }
        try (ScriptedUpstream serverError = failingFirst(1, 500);
             ProxyFixture proxy = proxy(serverError.port(), policy)) {
            HttpResponse<String> r = get(proxy, "/");

            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(serverError.requests()).isEqualTo(1);
            assertThat(proxy.stat("cluster.backend.upstream_rq_retry")).isZero();
        }
    }

    @Test
    void connectFailureIsRetriedOnAnotherEndpoint() throws Exception {
        try (ScriptedUpstream live = ScriptedUpstream.ok("alive");
             // chosen while the live upstream holds its port, so the two cannot be the same
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", "retry_policy: {retry_on: connect-failure, num_retries: 1}"),
                     Bootstraps.cluster("backend", false, "", deadPort(), live.port())))) {
            // round robin alternates, so among four requests at least one is sent to the dead port first
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = get(proxy, "/" + i);
                assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
                assertThat(r.body()).isEqualTo("alive");
            }
            assertThat(live.requests()).isEqualTo(4);
            assertThat(proxy.stat("cluster.backend.upstream_cx_connect_fail")).isGreaterThanOrEqualTo(1);
            assertThat(proxy.stat("cluster.backend.upstream_rq_retry"))
                    .isEqualTo(proxy.stat("cluster.backend.upstream_cx_connect_fail"));
        }
    }

    @Test
    void previousHostsKeepsEveryRetryOffTheEndpointThatFailed() throws Exception {
        // RANDOM picks the dead endpoint again for half of the retries without the predicate; the dead port is
        // chosen while the live upstream holds its port, so the two cannot be the same
        try (ScriptedUpstream live = ScriptedUpstream.ok("alive");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", """
                             retry_policy:
                               retry_on: connect-failure
                               num_retries: 1
                               host_selection_retry_max_attempts: 50
                               retry_host_predicate:
                               - name: envoy.retry_host_predicates.previous_hosts
                                 typed_config:
                                   "@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate
                             """),
                     Bootstraps.cluster("backend", false, "lb_policy: RANDOM", deadPort(), live.port())))) {
            // when
            for (int i = 0; i < 60; i++) {
                HttpResponse<String> r = get(proxy, "/" + i);

                // then: one retry is always enough, as it never goes back to the dead port
                assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
            }
            assertThat(proxy.stat("cluster.backend.upstream_cx_connect_fail")).isGreaterThanOrEqualTo(10);
        }
    }

    @Test
    void anUnknownRetryHostPredicateIsRefusedWithItsPath() {
        String bootstrap = Bootstraps.of(Bootstraps.routeTo("backend", """
                        retry_policy:
                          retry_host_predicate:
                          - name: envoy.retry_host_predicates.omit_canary_hosts
                        """),
                Bootstraps.cluster("backend", false, "", 1));

        Throwable thrown = catchThrowable(() -> BootstrapLoader.parse(bootstrap, "b.yaml"));

        assertThat(thrown).hasMessageContaining("retry_host_predicate[0]");
    }

    @Test
    void perTryTimeoutAbandonsAHangingAttemptAndRetries() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, body) -> {
                 if (n == 1) {
                     awaitQuietly(release);
                 }
                 ScriptedUpstream.respond(ex, 200, "attempt " + n);
             });
             ProxyFixture proxy = proxy(up.port(),
                     "retry_policy: {retry_on: 5xx, num_retries: 1, per_try_timeout: 0.3s}")) {
            long start = System.nanoTime();
            HttpResponse<String> r = get(proxy, "/slow-then-fast");
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("attempt 2");
            assertThat(elapsedMillis).isBetween(300L, 3000L);
            assertThat(up.requests()).isEqualTo(2);
            assertThat(proxy.stat("cluster.backend.upstream_rq_per_try_timeout")).isEqualTo(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void routeTimeoutIsA504WithItsCode() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, body) -> {
                 awaitQuietly(release);
                 ScriptedUpstream.respond(ex, 200, "too late");
             });
             ProxyFixture proxy = proxy(up.port(), "timeout: 0.3s")) {
            long start = System.nanoTime();
            HttpResponse<String> r = get(proxy, "/hangs");
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.headers().firstValue("x-weft-error")).hasValue("upstream_timeout");
            assertThat(elapsedMillis).isBetween(300L, 3000L);
            assertThat(proxy.stat("cluster.backend.upstream_rq_timeout")).isEqualTo(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void nothingIsRetriedOnceResponseHeadersWentDownstream() throws Exception {
        try (RawUpstream up = RawUpstream.start((n, head, socket) -> {
                 OutputStream out = socket.getOutputStream();
                 out.write(RawClient.bytes("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789"));
                 out.flush();
             });
             ProxyFixture proxy = proxy(up.port(), "retry_policy: {retry_on: \"5xx,reset\", num_retries: 3}")) {
            RawClient.Response r = RawClient.exchange(proxy.port(),
                    RawClient.bytes("GET /cut HTTP/1.1\r\nHost: test\r\n\r\n"), BOUND);

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("0123456789"); // 10 of the 100 bytes announced
            assertThat(r.closed()).isTrue();
            assertThat(up.requests()).isEqualTo(1);
            assertThat(proxy.stat("cluster.backend.upstream_rq_retry")).isZero();
        }
    }

    @Test
    void postBodyIsReplayedOnEachAttempt() throws Exception {
        byte[] body = new byte[200 * 1024]; // larger than one read, smaller than the 1 MiB buffer limit
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        try (ScriptedUpstream up = failingFirst(2, 503);
             ProxyFixture proxy = proxy(up.port(), "retry_policy: {retry_on: 5xx, num_retries: 2}")) {
            HttpResponse<String> fixed = client.send(HttpRequest.newBuilder(proxy.uri("/upload"))
                    .timeout(BOUND).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(fixed.statusCode()).isEqualTo(200);
            assertThat(up.seen()).hasSize(3).allSatisfy(seen -> {
                assertThat(seen.method()).isEqualTo("POST");
                assertThat(seen.body()).isEqualTo(body);
            });
        }
    }

    @Test
    void chunkedPostBodyIsReplayedOnEachAttempt() throws Exception {
        try (ScriptedUpstream up = failingFirst(1, 503);
             ProxyFixture proxy = proxy(up.port(), "retry_policy: {retry_on: 5xx, num_retries: 1}")) {
            RawClient.Response r = RawClient.exchange(proxy.port(), RawClient.bytes("POST /chunks HTTP/1.1\r\nHost: test\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), BOUND);

            assertThat(r.status()).isEqualTo(200);
            assertThat(up.seen()).hasSize(2).allSatisfy(seen ->
                    assertThat(new String(seen.body(), StandardCharsets.UTF_8)).isEqualTo("hello world"));
        }
    }

    @Test
    void bodyOverTheBufferLimitIsNotRetried() throws Exception {
        byte[] body = new byte[8 * 1024];
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, b) -> ScriptedUpstream.respond(ex, 503, "no " + n));
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", "retry_policy: {retry_on: 5xx, num_retries: 2}"),
                     Bootstraps.cluster("backend", false, "per_connection_buffer_limit_bytes: 1024", up.port())))) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/big"))
                    .timeout(BOUND).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("no 1");
            assertThat(r.headers().firstValue("x-weft-error")).isEmpty();
            assertThat(up.requests()).isEqualTo(1);
            assertThat(up.seen().get(0).body()).hasSize(body.length);
            assertThat(proxy.stat("cluster.backend.upstream_rq_retry")).isZero();
        }
    }

    @Test
    void backOffBetweenAttemptsStaysUnderItsCap() throws Exception {
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, b) -> {
                 arrivals.add(System.nanoTime());
                 ScriptedUpstream.respond(ex, n <= 3 ? 503 : 200, "attempt " + n);
             });
             ProxyFixture proxy = proxy(up.port(), "retry_policy: {retry_on: 5xx, num_retries: 3,"
                     + " retry_back_off: {base_interval: 0.05s, max_interval: 0.2s}}")) {
            HttpResponse<String> r = get(proxy, "/backoff");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(arrivals).hasSize(4);
            for (int i = 1; i < arrivals.size(); i++) {
                long gapMillis = TimeUnit.NANOSECONDS.toMillis(arrivals.get(i) - arrivals.get(i - 1));
                // the cap of 200 ms plus a generous allowance for reconnecting on a loaded machine
                assertThat(gapMillis).as("gap before attempt %d", i + 1).isBetween(0L, 200L + 1000L);
            }
        }
    }

    @Test
    void http2UpstreamStreamsAreRetriedUntilExhausted() throws Exception {
        try (ModelServer up = ModelServer.start(ModelServerConfig.builder().h2c(true).build());
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", "retry_policy: {retry_on: 5xx, num_retries: 2}"),
                     Bootstraps.cluster("backend", true, "", up.port())))) {
            HttpResponse<String> r = get(proxy, "/status/503");

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("status 503");
            assertThat(r.headers().firstValue("x-weft-error")).isEmpty();
            assertThat(up.requestCount("/status/{code}")).isEqualTo(3);
            assertThat(proxy.stat("cluster.backend.upstream_rq_retry")).isEqualTo(2);
        }
    }

    @Test
    void http2PerTryTimeoutsExhaustedAreA504() throws Exception {
        try (ModelServer up = ModelServer.start(ModelServerConfig.builder().h2c(true).build());
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", "retry_policy: {retry_on: 5xx, num_retries: 1, per_try_timeout: 0.2s}"),
                     Bootstraps.cluster("backend", true, "", up.port())))) {
            HttpResponse<String> r = get(proxy, "/delay/3000");

            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.headers().firstValue("x-weft-error")).hasValue("upstream_timeout");
            assertThat(up.requestCount("/delay/{ms}")).isEqualTo(2);
            assertThat(proxy.stat("cluster.backend.upstream_rq_per_try_timeout")).isEqualTo(2);
            // both streams were reset, so the upstream is not left serving them
            await().atMost(BOUND).until(() -> up.inFlight() == 0);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static ScriptedUpstream failingFirst(int failures, int status) throws IOException {
        return ScriptedUpstream.start((n, ex, body) -> {
            if (n <= failures) {
                ScriptedUpstream.respond(ex, status, "failure " + n);
            } else {
                ScriptedUpstream.respond(ex, 200, "ok");
            }
        });
    }

    private static ProxyFixture proxy(int upstreamPort, String actionExtra) throws Exception {
        return ProxyFixture.start(Bootstraps.of(
                Bootstraps.routeTo("backend", actionExtra),
                Bootstraps.cluster("backend", false, "", upstreamPort)));
    }

    private HttpResponse<String> get(ProxyFixture proxy, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.uri(path)).timeout(BOUND).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A loopback port nothing listens on (bound once, then released). */
    /** A loopback port nothing listens on (call it while the test's live servers hold theirs). */
    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
