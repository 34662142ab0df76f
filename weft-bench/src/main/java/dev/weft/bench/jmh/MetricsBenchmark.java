package dev.weft.bench.jmh;

import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.metrics.ProxyMetrics;
import dev.weft.proxy.observe.ExchangeObserver;
import dev.weft.proxy.observe.NodeIdentity;
import dev.weft.proxy.observe.RequestInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The metrics sink's per-exchange cost. {@code record}: one completed exchange recorded (series lookup by the
 * per-thread probe key, a counter and three histograms), over 64 exchanges that spread across 8 routes and 4
 * statuses, so the series exist and the cost is the steady state. {@code streamedUsage}: a 200-token streamed
 * chat completion (about 40 KB of server-sent events, in 1 KB parts) scanned for its model and usage, per exchange.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MetricsBenchmark {
    private ExchangeObserver observer;
    private final RequestInfo[] exchanges = new RequestInfo[64];
    private int next;
    private ByteBuf[] parts;
    private DefaultHttpRequest chatRequest;
    private DefaultHttpResponse sseHead;
    private EmbeddedChannel channel;

    @Setup
    public void setUp() throws Exception {
        ProxySnapshot snapshot = BootstrapLoader.parse("""
                static_resources:
                  listeners:
                  - name: outbound
                    traffic_direction: OUTBOUND
                    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: outbound
                          route_config: {virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: "outbound|chat.ml|80"}}]}]}
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
                  clusters:
                  - name: outbound|chat.ml|80
                    metadata: {filter_metadata: {weft: {service: chat, namespace: ml}}}
                    load_assignment:
                      cluster_name: chat
                      endpoints:
                      - lb_endpoints:
                        - endpoint: {address: {socket_address: {address: 10.0.0.1, port_value: 8000}}}
                          metadata: {filter_metadata: {weft: {workload: chat, version: v1}}}
                """, "bench.yaml");
        ListenerSpec listener = snapshot.listeners().get(0);
        ClusterSpec cluster = snapshot.clusters().get("outbound|chat.ml|80");
        Endpoint endpoint = new Endpoint(new InetSocketAddress("10.0.0.1", 8000), 1, 0, true,
                cluster.endpoints().get(0).workload());
        ProxyMetrics metrics = new ProxyMetrics(new NodeIdentity("web-1", "web", "ml", "v1"));
        observer = metrics.observerFor(listener, listener.chains().get(0).http());
        channel = new EmbeddedChannel();
        int[] statuses = {200, 200, 404, 503};
        for (int i = 0; i < exchanges.length; i++) {
            RequestInfo info = new RequestInfo("outbound", listener.direction(), channel,
                    new InetSocketAddress("127.0.0.1", 40000), false);
            long t = System.nanoTime();
            info.requestStarted(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/x/" + i), t);
            info.requestEnded(t + 10_000, 100);
            info.routed("ns/route/rule" + (i % 8) + "/match0", cluster.name());
            info.clusterResolved(cluster);
            info.attemptStarted(endpoint);
            info.responseStarted(statuses[i % 4], new DefaultHttpHeaders(), t + 1_000_000L * (1 + i % 50));
            info.responseBytes(1000 + i);
            info.ended(true, t + 2_000_000L * (1 + i % 50));
            exchanges[i] = info;
        }
        StringBuilder sse = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            sse.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                    + "\"model\":\"llama-3-8b\",\"system_fingerprint\":\"weft-v1\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\" token\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }
        sse.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"llama-3-8b\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":200,\"total_tokens\":212}}\n\n"
                + "data: [DONE]\n\n");
        byte[] bytes = sse.toString().getBytes(StandardCharsets.UTF_8);
        parts = new ByteBuf[(bytes.length + 1023) / 1024];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes, i * 1024, Math.min(1024, bytes.length - i * 1024)));
        }
        chatRequest = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions");
        sseHead = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        sseHead.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
    }

    @Benchmark
    public void record() {
        observer.onComplete(exchanges[next++ & (exchanges.length - 1)]);
    }

    @Benchmark
    public Object streamedUsage() {
        RequestInfo info = new RequestInfo("outbound", exchanges[0].direction(), channel,
                new InetSocketAddress("127.0.0.1", 40000), false);
        observer.onRequestHead(info, chatRequest);
        observer.onResponseHead(info, sseHead);
        for (ByteBuf p : parts) {
            observer.onResponseContent(info, p);
        }
        return info.usage();
    }
}
