package dev.weft.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.weft.proxy.it.Bootstraps;
import dev.weft.proxy.it.ProxyFixture;
import dev.weft.testkit.Prometheus;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (the Debian package) scrapes a proxy's /stats/prometheus (it asks for OpenMetrics first), and
 * PromQL over its HTTP API gives back the number of requests the test sent and a p99 that lies where the test put
 * its slow requests. Skipped where Prometheus is not installed, except in CI ({@code .ci/run} installs it and sets
 * WEFT_CI), where its absence fails the test.
 */
class PrometheusScrapeTest {
    private static final int FAST = 180;
    private static final int SLOW = 20;
    private static final long SLOW_MS = 300;

    @TempDir
    Path dir;
    private ModelServer app;
    private ProxyFixture proxy;
    private Prometheus prometheus;

    @BeforeEach
    void start() throws Exception {
        if (System.getenv("WEFT_CI") == null && System.getenv("CI") == null) {
            assumeThat(Prometheus.available()).as("prometheus is installed (Debian package prometheus)").isTrue();
        }
        app = ModelServer.start(ModelServerConfig.builder().build());
        String cluster = Bootstraps.cluster("app", false, "metadata: {filter_metadata: {weft: {service: app, namespace: demo}}}",
                app.port());
        proxy = ProxyFixture.start("node: {id: client-1, metadata: {weft.service: client, weft.namespace: demo}}\n"
                + Bootstraps.of(Bootstraps.routeTo("app", ""), cluster)
                        .replace("    filter_chains:", "    traffic_direction: OUTBOUND\n    filter_chains:"));
        prometheus = Prometheus.start(dir.resolve("prometheus"), List.of("127.0.0.1:" + proxy.adminPort()),
                "/stats/prometheus", Duration.ofMillis(500));
    }

    @AfterEach
    void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    void promqlGivesTheRequestCountAndAP99ThatMatchWhatWasSent() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // the slow ones in parallel, the fast ones one after another meanwhile
        List<CompletableFuture<Long>> slow = new ArrayList<>();
        for (int i = 0; i < SLOW; i++) {
            slow.add(timed(client, "/delay/" + SLOW_MS));
        }
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < FAST; i++) {
            latencies.add(timed(client, "/delay/1").get());
        }
        for (CompletableFuture<Long> f : slow) {
            latencies.add(f.get());
        }
        latencies.sort(null);
        long clientP99 = latencies.get((int) Math.ceil(0.99 * latencies.size()) - 1);
        assertThat(clientP99).as("the slow requests are the top 10 %").isGreaterThanOrEqualTo(SLOW_MS);

        String selector = "{job=\"weft\",reporter=\"source\",source_workload=\"client\",destination_service=\"app\","
                + "destination_namespace=\"demo\",response_code=\"200\"}";
        // all read from one scrape's worth of data, retried together: a later scrape that times out on a busy
        // machine marks the target down and its series stale for a moment
        double[] read = new double[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
            assertThat(prometheus.queryValue("sum(weft_requests_total" + selector + ")"))
                    .as("requests Prometheus saw; targets: %s", prometheus.targets())
                    .isEqualTo(FAST + SLOW);
            assertThat(prometheus.queryValue("up{job=\"weft\"}")).isEqualTo(1.0);
            assertThat(prometheus.queryValue("sum(weft_request_duration_milliseconds_count" + selector + ")"))
                    .isEqualTo(FAST + SLOW);
            read[0] = prometheus.queryValue(
                    "histogram_quantile(0.99, sum by (le) (weft_request_duration_milliseconds_bucket" + selector + "))");
        });
        double p99 = read[0];
        // the top 10 % took 300 ms and more at the proxy, so the 99th percentile lies in a bucket above 250 ms,
        // and no higher than the bucket of the slowest request as the client timed it (which includes the proxy's time)
        long clientMax = latencies.get(latencies.size() - 1);
        double[] bounds = Buckets.DURATION_MS.le;
        int maxBucket = 0;
        while (maxBucket < bounds.length && bounds[maxBucket] < clientMax + 1) {
            maxBucket++;
        }
        assertThat(p99).isGreaterThan(250).isLessThanOrEqualTo(maxBucket < bounds.length ? bounds[maxBucket] : 1e12);
        // and it is the interpolation histogram_quantile makes over the bucket counts the proxy exposes
        Map<String, Double> exposed = PrometheusEndpointTest.parse(
                PrometheusExposition.render(proxy.server(), MetricWriter.Format.PROMETHEUS));
        double rank = 0.99 * (FAST + SLOW);
        double lower = 0;
        double below = 0;
        double expected = Double.NaN;
        for (int i = 0; i < bounds.length; i++) {
            double upTo = bucket(exposed, Buckets.DURATION_MS.leText[i]);
            if (upTo >= rank) {
                expected = lower + (rank - below) / (upTo - below) * (bounds[i] - lower);
                break;
            }
            lower = bounds[i];
            below = upTo;
        }
        assertThat(p99).as("p99 over the exposed buckets %s", exposed.keySet().stream()
                .filter(k -> k.startsWith("weft_request_duration_milliseconds_bucket")).toList())
                .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
    }

    private static double bucket(Map<String, Double> exposed, String le) {
        return exposed.entrySet().stream()
                .filter(e -> e.getKey().startsWith("weft_request_duration_milliseconds_bucket{")
                        && e.getKey().contains("destination_service=\"app\"") && e.getKey().contains("response_code=\"200\"")
                        && e.getKey().endsWith("le=\"" + le + "\"}"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    private CompletableFuture<Long> timed(HttpClient client, String path) {
        long start = System.nanoTime();
        return client.sendAsync(HttpRequest.newBuilder(proxy.uri(path)).build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> {
                    assertThat(r.statusCode()).isEqualTo(200);
                    return (System.nanoTime() - start) / 1_000_000;
                });
    }
}
