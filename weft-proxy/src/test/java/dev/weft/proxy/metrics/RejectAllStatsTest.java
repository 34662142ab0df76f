package dev.weft.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.it.Bootstraps;
import dev.weft.proxy.it.ProxyFixture;
import dev.weft.proxy.observe.ExchangeObserver;
import dev.weft.proxy.observe.RequestInfo;
import dev.weft.proxy.observe.Telemetry;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code stats_config.stats_matcher.reject_all: true} turns the request metrics off (nothing is recorded per
 * exchange), while the proxy's own counters are still exposed; without it the same requests are recorded.
 */
class RejectAllStatsTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void rejectAllRecordsNoRequestMetrics() throws Exception {
        Map<String, Double> m = runThreeRequests("stats_config: {stats_matcher: {reject_all: true}}\n");
        assertThat(m.keySet()).noneMatch(k -> k.startsWith("weft_request"));
        assertThat(m).containsEntry("weft_http_downstream_rq_total{http_conn_manager_prefix=\"main\"}", 3.0);
    }

    @Test
    void withoutItTheSameRequestsAreRecorded() throws Exception {
        Map<String, Double> m = runThreeRequests("");
        assertThat(m.entrySet()).filteredOn(e -> e.getKey().startsWith("weft_requests_total{"))
                .extracting(Map.Entry::getValue).containsExactly(3.0);
    }

    /** Three requests through a proxy whose bootstrap starts with {@code head}; the exposition once all three ended. */
    private Map<String, Double> runThreeRequests(String head) throws Exception {
        Completions completions = new Completions();
        try (ModelServer model = ModelServer.start(ModelServerConfig.builder().model("m").build());
             ProxyFixture proxy = ProxyFixture.start(head + Bootstraps.of(Bootstraps.routeTo("chat", ""),
                     Bootstraps.cluster("chat", false, "", model.port())), completions)) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/status/200")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            }
            // the test's sink comes after the proxy's own: once it saw all three, the metrics sink has too
            await().atMost(Duration.ofSeconds(10)).until(() -> completions.count.get() == 3);
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.adminUri("/stats/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return PrometheusEndpointTest.parse(r.body());
        }
    }

    private static final class Completions implements Telemetry.Sink, ExchangeObserver {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public ExchangeObserver observerFor(ListenerSpec listener, HttpSettings settings) {
            return this;
        }

        @Override
        public void onComplete(RequestInfo info) {
            count.incrementAndGet();
        }
    }
}
