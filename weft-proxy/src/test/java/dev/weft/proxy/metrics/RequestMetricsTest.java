package dev.weft.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.proxy.downstream.PeerIdentity;
import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.observe.Direction;
import dev.weft.proxy.observe.NodeIdentity;
import dev.weft.proxy.observe.RequestInfo;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Labels as the reporter sees them, and a bounded number of series whatever comes in. */
class RequestMetricsTest {
    private static final NodeIdentity CHAT = new NodeIdentity("chat-1", "chat", "ml", "v2");
    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private RequestInfo exchange(int status, String route, WeftError error) {
        RequestInfo info = new RequestInfo("inbound", Direction.INBOUND, channel, new InetSocketAddress("127.0.0.1", 1), false);
        long t = System.nanoTime();
        info.requestStarted(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x"), t);
        info.requestEnded(t + 1_000, 0);
        info.routed(route, null);
        if (error != null) {
            info.failed(error);
        }
        info.responseStarted(status, new DefaultHttpHeaders(), t + 2_000_000);
        info.responseBytes(10);
        info.ended(true, t + 3_000_000);
        return info;
    }

    @Test
    void inboundTheCallerIsTheMtlsPeerAndTheDestinationThisNode() {
        RequestMetrics metrics = new RequestMetrics(CHAT, 100);
        metrics.localIdentity("chat-sa", "spiffe://cluster.local/ns/ml/sa/chat-sa");
        metrics.record(exchange(200, "inbound", null), true);
        channel.attr(PeerIdentity.KEY).set(new PeerIdentity("spiffe://cluster.local/ns/web/sa/frontend"));
        metrics.record(exchange(200, "inbound", null), true);
        metrics.record(exchange(403, "inbound", WeftError.RBAC_DENIED), true);

        String dest = "destination_service=\"chat\",destination_workload=\"chat-sa\",destination_namespace=\"ml\","
                + "destination_version=\"v2\",";
        assertThat(metrics.counts()).containsOnly(
                entry("reporter=\"destination\",source_workload=\"unknown\",source_namespace=\"unknown\","
                        + "source_principal=\"unknown\"," + dest
                        + "response_code=\"200\",grpc_response_status=\"-\",response_flags=\"-\",route=\"inbound\"", 1),
                entry("reporter=\"destination\",source_workload=\"frontend\",source_namespace=\"web\","
                        + "source_principal=\"spiffe://cluster.local/ns/web/sa/frontend\"," + dest
                        + "response_code=\"200\",grpc_response_status=\"-\",response_flags=\"-\",route=\"inbound\"", 1),
                entry("reporter=\"destination\",source_workload=\"frontend\",source_namespace=\"web\","
                        + "source_principal=\"spiffe://cluster.local/ns/web/sa/frontend\"," + dest
                        + "response_code=\"403\",grpc_response_status=\"-\",response_flags=\"rbac_denied\",route=\"inbound\"", 1));
    }

    @Test
    void labelSetsBeyondTheMaximumShareOneOverflowSeries() {
        RequestMetrics metrics = new RequestMetrics(CHAT, 10);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 30; i++) {
                metrics.record(exchange(200, "route-" + i, null), false);
            }
        }

        assertThat(metrics.seriesCount()).isEqualTo(10);
        assertThat(metrics.overflowed()).as("label sets refused (each once, while cached)").isEqualTo(20);
        MetricWriter w = new MetricWriter(MetricWriter.Format.PROMETHEUS);
        metrics.write(w);
        var m = PrometheusEndpointTest.parse(w.finish());
        assertThat(m.entrySet().stream().filter(e -> e.getKey().startsWith("weft_requests_total{"))
                .mapToDouble(java.util.Map.Entry::getValue).sum()).isEqualTo(60.0);
        assertThat(m.get("weft_requests_total{reporter=\"source\",source_workload=\"overflow\",source_namespace=\"overflow\","
                + "source_principal=\"overflow\",destination_service=\"overflow\",destination_workload=\"overflow\","
                + "destination_namespace=\"overflow\",destination_version=\"overflow\",response_code=\"overflow\","
                + "grpc_response_status=\"overflow\",response_flags=\"overflow\",route=\"overflow\"}")).isEqualTo(40.0);
    }

    @Test
    void spiffeIdsSplitIntoNamespaceAndAccount() {
        assertThat(RequestMetrics.spiffeParts("spiffe://td/ns/web/sa/frontend")).containsExactly("web", "frontend");
        assertThat(RequestMetrics.spiffeParts("spiffe://td/ns/web/sa/")).containsExactly("unknown", "unknown");
        assertThat(RequestMetrics.spiffeParts("spiffe://td/other")).containsExactly("unknown", "unknown");
        assertThat(RequestMetrics.spiffeParts(null)).containsExactly("unknown", "unknown");
    }

    private static java.util.Map.Entry<String, Long> entry(String labels, long count) {
        return java.util.Map.entry(labels, count);
    }
}
