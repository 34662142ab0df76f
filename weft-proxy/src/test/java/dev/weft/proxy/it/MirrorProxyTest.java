package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Request mirroring (request_mirror_policies) end to end: the mirror gets a copy of the request,
 * and nothing the mirror does changes what the client gets or when.
 */
class MirrorProxyTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(BOUND)
            .build();

    private static ProxyFixture proxy(int primaryPort, int mirrorPort, String mirrorPolicy, String mirrorClusterExtra)
            throws Exception {
        return ProxyFixture.start(Bootstraps.of(
                Bootstraps.routeTo("primary", "request_mirror_policies:\n- " + mirrorPolicy),
                Bootstraps.cluster("primary", false, "", primaryPort)
                        + Bootstraps.cluster("mirror", false, mirrorClusterExtra, mirrorPort)));
    }

    private HttpResponse<String> post(ProxyFixture proxy, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.uri(path)).timeout(BOUND)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(ProxyFixture proxy, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.uri(path)).timeout(BOUND).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyRequestReachesBothClustersAndTheMirrorSeesTheShadowHostAndTheSameBody() throws Exception {
        try (ScriptedUpstream primary = ScriptedUpstream.ok("primary");
             ScriptedUpstream mirror = ScriptedUpstream.ok("mirror");
             ProxyFixture proxy = proxy(primary.port(), mirror.port(), "cluster: mirror", "")) {
            // when
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = post(proxy, "/things/" + i, "body-" + i);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("primary");
            }
            HttpResponse<String> noBody = get(proxy, "/empty");

            // then
            assertThat(noBody.body()).isEqualTo("primary");
            await().atMost(BOUND).until(() -> mirror.seen().size() == 6);
            String host = "127.0.0.1:" + proxy.port();
            for (int i = 0; i < 5; i++) {
                ScriptedUpstream.Seen original = primary.seen().get(i);
                ScriptedUpstream.Seen copy = mirror.seen().stream()
                        .filter(s -> s.uri().equals(original.uri())).findFirst().orElseThrow();
                assertThat(original.header("host")).isEqualTo(host);
                assertThat(copy.header("host")).isEqualTo("127.0.0.1-shadow:" + proxy.port());
                assertThat(copy.method()).isEqualTo("POST");
                assertThat(new String(copy.body(), StandardCharsets.UTF_8)).isEqualTo("body-" + i);
                assertThat(copy.header("x-request-id")).isEqualTo(original.header("x-request-id"));
            }
            assertThat(mirror.seen()).filteredOn(s -> s.uri().equals("/empty"))
                    .singleElement().satisfies(s -> assertThat(s.body()).isEmpty());
            assertThat(proxy.stat("cluster.mirror.upstream_rq_mirrored")).isEqualTo(6);
            await().atMost(BOUND).until(() -> proxy.stat("cluster.mirror.upstream_rq_2xx") == 6);
            assertThat(proxy.stat("cluster.primary.upstream_rq_2xx")).isEqualTo(6);
        }
    }

    @Test
    void disabledSuffixKeepsTheHost() throws Exception {
        try (ScriptedUpstream primary = ScriptedUpstream.ok("primary");
             ScriptedUpstream mirror = ScriptedUpstream.ok("mirror");
             ProxyFixture proxy = proxy(primary.port(), mirror.port(),
                     "{cluster: mirror, disable_shadow_host_suffix_append: true}", "")) {
            // when
            get(proxy, "/x");

            // then
            await().atMost(BOUND).until(() -> mirror.requests() == 1);
            assertThat(mirror.seen().get(0).header("host")).isEqualTo("127.0.0.1:" + proxy.port());
        }
    }

    @Test
    void slowMirrorDoesNotDelayThePrimary() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedUpstream primary = ScriptedUpstream.ok("primary");
             ScriptedUpstream mirror = ScriptedUpstream.start((n, ex, body) -> {
                 awaitQuietly(release);
                 ScriptedUpstream.respond(ex, 200, "late");
             });
             ProxyFixture proxy = proxy(primary.port(), mirror.port(), "cluster: mirror", "")) {
            try {
                // when: every copy is held by the mirror while the originals are answered
                List<Long> millis = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    long start = System.nanoTime();
                    HttpResponse<String> r = post(proxy, "/slow/" + i, "payload");
                    millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.body()).isEqualTo("primary");
                }

                // then
                await().atMost(BOUND).until(() -> mirror.requests() == 5);
                assertThat(millis).allSatisfy(ms -> assertThat(ms).isLessThan(1_000L));
                assertThat(proxy.stat("cluster.mirror.upstream_rq_active")).isEqualTo(5);
            } finally {
                release.countDown();
            }
            await().atMost(BOUND).until(() -> proxy.stat("cluster.mirror.upstream_rq_active") == 0);
            assertThat(proxy.stat("cluster.mirror.upstream_rq_2xx")).isEqualTo(5);
        }
    }

    @Test
    void failingMirrorDoesNotChangeThePrimarysResponse() throws Exception {
        try (ModelServer primary = ModelServer.start(ModelServerConfig.defaults());
             ScriptedUpstream failing = ScriptedUpstream.start((n, ex, body) -> ScriptedUpstream.respond(ex, 500, "broken"))) {
            // the dead port is chosen while the primary and the failing mirror hold theirs, so it is neither
            int deadPort = deadPort();
            for (int mirrorPort : new int[] {failing.port(), deadPort}) {
                try (ProxyFixture proxy = proxy(primary.port(), mirrorPort, "cluster: mirror", "")) {
                    // when: the mirror answers 500, then refuses connections
                    List<HttpResponse<String>> responses = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        responses.add(post(proxy, "/echo", "hello " + i));
                    }

                    // then
                    for (int i = 0; i < 3; i++) {
                        assertThat(responses.get(i).statusCode()).isEqualTo(200);
                        assertThat(responses.get(i).body()).isEqualTo("hello " + i);
                        assertThat(responses.get(i).headers().firstValue("x-weft-error")).isEmpty();
                    }
                    String failures = mirrorPort == deadPort ? "upstream_cx_connect_fail" : "upstream_rq_5xx";
                    await().atMost(BOUND).until(() -> proxy.stat("cluster.mirror." + failures) == 3);
                    await().atMost(BOUND).until(() -> proxy.stat("cluster.mirror.upstream_rq_active") == 0);
                    assertThat(proxy.stat("cluster.primary.upstream_rq_2xx")).isEqualTo(3);
                }
            }
        }
    }

    @Test
    void halfOfTheRequestsAreMirroredWithinBinomialBounds() throws Exception {
        int n = 400;
        try (ScriptedUpstream primary = ScriptedUpstream.ok("primary");
             ScriptedUpstream mirror = ScriptedUpstream.ok("mirror");
             ProxyFixture proxy = proxy(primary.port(), mirror.port(),
                     "{cluster: mirror, runtime_fraction: {default_value: {numerator: 50, denominator: HUNDRED}}}", "")) {
            // when
            for (int i = 0; i < n; i++) {
                assertThat(get(proxy, "/" + i).statusCode()).isEqualTo(200);
            }

            // then: 200 expected, standard deviation 10; five of them either way
            long mirrored = proxy.stat("cluster.mirror.upstream_rq_mirrored");
            assertThat(mirrored).isBetween(150L, 250L);
            await().atMost(BOUND).until(() -> mirror.requests() == mirrored);
            assertThat(primary.requests()).isEqualTo(n);
        }
    }

    @Test
    void bodyLargerThanTheBufferLimitCancelsTheCopyAndNotThePrimary() throws Exception {
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        try (ModelServer primary = ModelServer.start(ModelServerConfig.defaults());
             ModelServer mirror = ModelServer.start(ModelServerConfig.defaults());
             ProxyFixture proxy = proxy(primary.port(), mirror.port(), "cluster: mirror",
                     "per_connection_buffer_limit_bytes: 65536\n")) {
            // when
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/sink")).timeout(BOUND)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> small = post(proxy, "/sink", "tiny");

            // then: the client got the whole body through; the copy was reset after at most the limit
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"bytes\":" + big.length);
            assertThat(small.body()).contains("\"bytes\":4");
            await().atMost(BOUND).until(() -> proxy.stat("cluster.mirror.upstream_rq_active") == 0);
            assertThat(proxy.stat("cluster.mirror.upstream_rq_mirror_cancelled")).isEqualTo(1);
            assertThat(proxy.stat("cluster.mirror.upstream_rq_mirrored")).isEqualTo(2);
            await().atMost(BOUND).until(() -> mirror.responseCount("/sink", 200) == 1);
            assertThat(mirror.requestBodyBytes()).isLessThanOrEqualTo(65536 + 4);
        }
    }

    @Test
    void http2ClusterMirrorsBodylessAndBodyRequests() throws Exception {
        try (ModelServer primary = ModelServer.start(ModelServerConfig.defaults());
             ModelServer mirror = ModelServer.start(ModelServerConfig.builder().h2c(true).build());
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("primary", "request_mirror_policies: [{cluster: mirror}]"),
                     Bootstraps.cluster("primary", false, "", primary.port())
                             + Bootstraps.cluster("mirror", true, "", mirror.port())))) {
            // when
            HttpResponse<String> bodyless = get(proxy, "/echo");
            HttpResponse<String> withBody = post(proxy, "/sink", "twelve bytes");

            // then
            assertThat(bodyless.statusCode()).isEqualTo(200);
            assertThat(withBody.body()).contains("\"bytes\":12");
            await().atMost(BOUND).until(() -> mirror.responseCount("/sink", 200) == 1 && mirror.responseCount("/echo", 200) == 1);
            assertThat(mirror.requestBodyBytes()).isEqualTo(12);
        }
    }

    @Test
    void runtimeKeyAndUnknownClusterAreRejectedWithTheirPaths() throws Exception {
        String routes = Bootstraps.routeTo("primary",
                "request_mirror_policies:\n- {cluster: mirror, runtime_fraction: {runtime_key: mirror.pct, "
                        + "default_value: {numerator: 5}}}");
        String clusters = Bootstraps.cluster("primary", false, "", 1) + Bootstraps.cluster("mirror", false, "", 2);
        String unknown = Bootstraps.of(Bootstraps.routeTo("primary", "request_mirror_policies: [{cluster: nowhere}]"),
                clusters);

        ConfigException runtimeKey = catchThrowableOfType(ConfigException.class,
                () -> BootstrapLoader.parse(Bootstraps.of(routes, clusters), "b.yaml"));
        ConfigException missing = catchThrowableOfType(ConfigException.class, () -> BootstrapLoader.parse(unknown, "b.yaml"));

        String route = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config"
                + ".virtual_hosts[0].routes[0].route";
        assertThat(runtimeKey.path()).isEqualTo(route + ".request_mirror_policies[0].runtime_fraction.runtime_key");
        assertThat(missing.path()).isEqualTo(route + ".request_mirror_policies[0].cluster");
        assertThat(missing.reason()).contains("unknown cluster \"nowhere\"");
    }

    private static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
