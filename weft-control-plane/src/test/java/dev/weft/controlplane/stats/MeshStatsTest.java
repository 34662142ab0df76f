package dev.weft.controlplane.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden signals and the service graph from expositions as the proxies write them (the contract's metric names and
 * labels), scrape by scrape.
 */
class MeshStatsTest {

    private static final String BOUNDS = "0.5,1,5,10,25,50,100,250,500,1000,2500,5000,10000,30000,60000,300000";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /**
     * The exposition of a proxy whose requests of one series, with {@code code}, took the durations in
     * {@code perBucket} (count per bound of {@link #BOUNDS}, then +Inf).
     */
    private static String series(String reporter, String source, String destination, String code, long[] perBucket) {
        String labels = "reporter=\"" + reporter + "\",source_workload=\"" + source + "\",source_namespace=\"default\","
                + "source_principal=\"unknown\",destination_service=\"" + destination + "\",destination_workload=\""
                + destination + "\",destination_namespace=\"default\",destination_version=\"v1\",response_code=\""
                + code + "\",grpc_response_status=\"\",response_flags=\"-\",route=\"default/chat/rule0/match0\"";
        StringBuilder b = new StringBuilder();
        long total = 0;
        String[] bounds = (BOUNDS + ",+Inf").split(",");
        for (int i = 0; i < bounds.length; i++) {
            total += perBucket[i];
            b.append("weft_request_duration_milliseconds_bucket{").append(labels).append(",le=\"").append(bounds[i])
                    .append("\"} ").append(total).append('\n');
        }
        b.append("weft_request_duration_milliseconds_count{").append(labels).append("} ").append(total).append('\n');
        b.append("weft_requests_total{").append(labels).append("} ").append(total).append('\n');
        return b.toString();
    }

    /** {@code n} observations in bucket {@code index} of {@link #BOUNDS}. */
    private static long[] in(int index, long n) {
        long[] counts = new long[17];
        counts[index] = n;
        return counts;
    }

    private static ProxyMetrics metrics(String... expositions) {
        return ProxyMetrics.from(PrometheusText.parse(String.join("", expositions)));
    }

    @Test
    void servicesGetRateSuccessAndQuantilesFromTheDeltaOfTheWindow() {
        // given: chat's sidecar, scraped every 5 s; between the scrapes 90 requests in (25, 50] ms ended 200,
        // 10 in (250, 500] ms ended 503
        MeshStats stats = new MeshStats(Duration.ofMinutes(5));
        stats.record(T0, Map.of("chat-1", metrics(
                series("destination", "client", "chat", "200", in(5, 1000)),
                series("destination", "client", "chat", "503", in(8, 0)))));
        stats.record(T0.plusSeconds(5), Map.of("chat-1", metrics(
                series("destination", "client", "chat", "200", in(5, 1090)),
                series("destination", "client", "chat", "503", in(8, 10)))));

        // when
        MeshStats.Window window = stats.window(Duration.ofMinutes(1));
        Signals chat = stats.services(window).get(new ServiceKey("default", "chat"));

        // then: the thousand requests before the window do not count
        assertThat(window.seconds()).isEqualTo(5);
        assertThat(chat.requests()).isEqualTo(100);
        assertThat(chat.rps()).isEqualTo(20);
        assertThat(chat.successRate()).isEqualTo(0.9);
        // p50: rank 50 of 90 in (25, 50] → 25 + 25 * 50/90
        assertThat(chat.p50()).isCloseTo(25 + 25 * 50.0 / 90, within(1e-9));
        // p95, p99: ranks 95 and 99 fall among the 10 in (250, 500]
        assertThat(chat.p95()).isCloseTo(250 + 250 * 5.0 / 10, within(1e-9));
        assertThat(chat.p99()).isCloseTo(250 + 250 * 9.0 / 10, within(1e-9));
    }

    @Test
    void theGraphHasAnEdgePerCallerAndCalleeSummedOverProxies() {
        // given: two client sidecars and the chat sidecar that reports the same calls as destination
        MeshStats stats = new MeshStats(Duration.ofMinutes(5));
        stats.record(T0, Map.of(
                "client-1", metrics(series("source", "client", "chat", "200", in(3, 0))),
                "client-2", metrics(series("source", "client", "chat", "200", in(3, 0))),
                "batch-1", metrics(series("source", "batch", "chat.default.svc.cluster.local", "200", in(3, 0)))));
        stats.record(T0.plusSeconds(10), Map.of(
                "client-1", metrics(series("source", "client", "chat", "200", in(3, 30))),
                "client-2", metrics(series("source", "client", "chat", "200", in(3, 20))),
                "batch-1", metrics(series("source", "batch", "chat.default.svc.cluster.local", "504",
                        in(16, 5)))));

        // when
        List<MeshStats.Edge> edges = stats.edges(stats.window(Duration.ofMinutes(1)));

        // then: a fully qualified destination_service is the same service
        assertThat(edges).hasSize(2);
        MeshStats.Edge batch = edges.get(0);
        assertThat(batch.source()).isEqualTo(new ServiceKey("default", "batch"));
        assertThat(batch.destination()).isEqualTo(new ServiceKey("default", "chat"));
        assertThat(batch.signals().successRate()).isZero();
        // all in +Inf: the highest finite bound, as histogram_quantile answers
        assertThat(batch.signals().p99()).isEqualTo(300000);
        MeshStats.Edge client = edges.get(1);
        assertThat(client.source()).isEqualTo(new ServiceKey("default", "client"));
        assertThat(client.signals().rps()).isEqualTo(5);
        assertThat(client.signals().successRate()).isEqualTo(1);
        // a service no sidecar reports as destination gets its callers' view
        assertThat(stats.services(stats.window(Duration.ofMinutes(1))).get(new ServiceKey("default", "chat"))
                .requests()).isEqualTo(55);
    }

    @Test
    void callsOnlyTheCalleeSawAreEdgesFromTheCallerItNamed() {
        // given: chat's sidecar saw the client (whose sidecar also reports) and plaintext callers from outside
        MeshStats stats = new MeshStats(Duration.ofMinutes(5));
        String unknown = series("destination", "unknown", "chat", "200", in(3, 0)).replace(
                "source_namespace=\"default\"", "source_namespace=\"unknown\"");
        stats.record(T0, Map.of(
                "chat-1", metrics(series("destination", "client", "chat", "200", in(3, 0)), unknown),
                "client-1", metrics(series("source", "client", "chat", "200", in(3, 0)))));
        stats.record(T0.plusSeconds(10), Map.of(
                "chat-1", metrics(series("destination", "client", "chat", "200", in(3, 100)),
                        unknown.replace("} 0\n", "} 30\n")),
                "client-1", metrics(series("source", "client", "chat", "200", in(3, 100)))));

        // when
        List<MeshStats.Edge> edges = stats.edges(stats.window(Duration.ofMinutes(1)));

        // then: client → chat once (its own sidecar's view), unknown → chat from chat's sidecar
        assertThat(edges).extracting(e -> e.source() + " -> " + e.destination())
                .containsExactly("default/client -> default/chat", "unknown/unknown -> default/chat");
        assertThat(edges.get(0).signals().requests()).isEqualTo(100);
        assertThat(edges.get(1).signals().requests()).isEqualTo(30);
    }

    @Test
    void aRestartedProxyCountsFromZeroAndANewProxyFromItsFirstScrape() {
        // given
        MeshStats stats = new MeshStats(Duration.ofMinutes(5));
        stats.record(T0, Map.of("chat-1", metrics(series("destination", "client", "chat", "200", in(2, 500)))));
        stats.record(T0.plusSeconds(5), Map.of(
                "chat-1", metrics(series("destination", "client", "chat", "200", in(2, 40))),
                "chat-2", metrics(series("destination", "client", "chat", "200", in(2, 700)))));
        stats.record(T0.plusSeconds(10), Map.of(
                "chat-1", metrics(series("destination", "client", "chat", "200", in(2, 50))),
                "chat-2", metrics(series("destination", "client", "chat", "200", in(2, 710)))));

        // when
        Signals chat = stats.services(stats.window(Duration.ofSeconds(10))).get(new ServiceKey("default", "chat"));

        // then: chat-1 restarted (500 → 40: 50 since, over the 10 s), chat-2 counted 10 in the 5 s since its first
        // scrape: its rate is not diluted by the time before it joined
        assertThat(chat.requests()).isEqualTo(60);
        assertThat(chat.rps()).isEqualTo(50 / 10.0 + 10 / 5.0);
    }

    @Test
    void aProxyThatMissedTheLastRoundStillCounts() {
        // given: chat-2 did not answer the last round
        MeshStats stats = new MeshStats(Duration.ofMinutes(5));
        stats.record(T0, Map.of(
                "chat-1", metrics(series("destination", "client", "chat", "200", in(2, 0))),
                "chat-2", metrics(series("destination", "client", "chat", "200", in(2, 0)))));
        stats.record(T0.plusSeconds(5), Map.of(
                "chat-1", metrics(series("destination", "client", "chat", "200", in(2, 50))),
                "chat-2", metrics(series("destination", "client", "chat", "200", in(2, 50)))));
        stats.record(T0.plusSeconds(10), Map.of(
                "chat-1", metrics(series("destination", "client", "chat", "200", in(2, 100)))));

        // when
        Signals chat = stats.services(stats.window(Duration.ofMinutes(1))).get(new ServiceKey("default", "chat"));

        // then: chat-2's 50 requests count, spread over the window rather than dropped
        assertThat(chat.requests()).isEqualTo(150);
        assertThat(chat.rps()).isEqualTo(100 / 10.0 + 50 / 10.0);
    }

    @Test
    void windowsReachBackAsFarAsAskedAndTheRingForgetsOldScrapes() {
        // given: a scrape every 5 s for two minutes, 10 requests more each time
        MeshStats stats = new MeshStats(Duration.ofMinutes(1));
        for (int i = 0; i <= 24; i++) {
            stats.record(T0.plusSeconds(5L * i), Map.of("chat-1",
                    metrics(series("destination", "client", "chat", "200", in(1, 10L * i)))));
        }

        // when / then
        MeshStats.Window last15s = stats.window(Duration.ofSeconds(15));
        assertThat(last15s.seconds()).isEqualTo(15);
        assertThat(stats.services(last15s).get(new ServiceKey("default", "chat")).requests()).isEqualTo(30);
        MeshStats.Window all = stats.window(Duration.ofMinutes(10));
        assertThat(all.seconds()).isEqualTo(60);
        List<MeshStats.Point> series = stats.series(new ServiceKey("default", "chat"), Duration.ofSeconds(30));
        assertThat(series).hasSize(6);
        assertThat(series).allSatisfy(p -> assertThat(p.signals().rps()).isEqualTo(2));
        assertThat(series.get(5).at()).isEqualTo(T0.plusSeconds(120));
    }

    @Test
    void failuresAreServerErrorsMissingResponsesAndGrpcErrors() {
        assertThat(ProxyMetrics.failed("200", "")).isFalse();
        assertThat(ProxyMetrics.failed("404", "-")).isFalse();
        assertThat(ProxyMetrics.failed("200", "0")).isFalse();
        assertThat(ProxyMetrics.failed("503", "")).isTrue();
        assertThat(ProxyMetrics.failed("0", "")).isTrue();
        assertThat(ProxyMetrics.failed("200", "14")).isTrue();
    }

    @Test
    void certificateExpiryIsTheEarliestTheProxyReports() {
        ProxyMetrics m = metrics("weft_certificate_expiry_seconds{secret=\"default\",type=\"certificate\"} 86000\n"
                + "weft_certificate_expiry_seconds{secret=\"ROOTCA\",type=\"ca\"} 3.1e8\n"
                + "weft_certificate_expiry_seconds{secret=\"old\",type=\"ca\"} -5\n");
        assertThat(m.certificateExpirySeconds()).isEqualTo(86000);
        assertThat(metrics("").certificateExpirySeconds()).isNull();
    }
}
