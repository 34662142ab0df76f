package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MeshConfig spec.telemetry.tracing: on every sidecar listener's connection manager, with the collector's cluster. */
class TelemetryTranslatorTest {
    private static final String SERVICES = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: chat}
            spec: {ports: [{port: 8080}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: ServiceInstance
            metadata: {name: chat-1}
            spec: {service: chat, address: 10.0.0.1, port: 8080}
            """;

    @TempDir
    Path dataDir;

    private static String mesh(String telemetry) {
        return SERVICES + "---\napiVersion: weft.dev/v1alpha1\nkind: MeshConfig\nmetadata: {name: mesh}\nspec:\n"
                + "  telemetry:\n" + telemetry.indent(4);
    }

    private Snapshot sidecar(String yaml) throws Exception {
        return new TestMesh(dataDir).apply(yaml).snapshot(Nodes.sidecar("web-1", "web", 15006, 8080, 15001,
                List.of(Map.of("service", "chat"), Map.of("service", "chat", "port", 7000)), Map.of()));
    }

    private static HttpConnectionManager hcm(Listener l, int chain) throws InvalidProtocolBufferException {
        return l.getFilterChains(chain).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    }

    @Test
    void zipkinTracingOnEverySidecarListenerWithAStaticCollectorCluster() throws Exception {
        Snapshot s = sidecar(mesh("tracing: {samplingPercent: 12.5, zipkin: {endpoint: "
                + "\"http://127.0.0.1:9411/api/v2/spans\"}}"));

        assertThat(s.listeners().resources()).hasSize(3);
        for (Listener l : s.listeners().resources().values()) {
            for (int i = 0; i < l.getFilterChainsCount(); i++) {
                HttpConnectionManager.Tracing t = hcm(l, i).getTracing();
                assertThat(t.getRandomSampling().getValue()).as(l.getName()).isEqualTo(12.5);
                assertThat(t.getSpawnUpstreamSpan().getValue()).isTrue();
                assertThat(t.getProvider().getName()).isEqualTo("envoy.tracers.zipkin");
                ZipkinConfig z = t.getProvider().getTypedConfig().unpack(ZipkinConfig.class);
                assertThat(z.getCollectorCluster()).isEqualTo(TelemetryTranslator.COLLECTOR_CLUSTER);
                assertThat(z.getCollectorEndpoint()).isEqualTo("/api/v2/spans");
                assertThat(z.getCollectorEndpointVersion()).isEqualTo(ZipkinConfig.CollectorEndpointVersion.HTTP_JSON);
                assertThat(z.getCollectorHostname()).isEqualTo("127.0.0.1:9411");
                assertThat(z.getTraceId128Bit()).isTrue();
                assertThat(z.getSharedSpanContext().getValue()).isFalse();
            }
        }
        Cluster collector = s.clusters().resources().get(TelemetryTranslator.COLLECTOR_CLUSTER);
        assertThat(collector.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
        assertThat(collector.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                .getSocketAddress()).satisfies(a -> {
                    assertThat(a.getAddress()).isEqualTo("127.0.0.1");
                    assertThat(a.getPortValue()).isEqualTo(9411);
                });
        assertThat(collector.hasTransportSocket()).isFalse();
    }

    @Test
    void otlpToACollectorKnownByName() throws Exception {
        Snapshot s = sidecar(mesh("tracing: {otlp: {endpoint: \"http://otel-collector.observability:4318\"}}"));

        HttpConnectionManager.Tracing t = hcm(s.listeners().resources().get("outbound"), 0).getTracing();
        assertThat(t.getRandomSampling().getValue()).isEqualTo(1.0);
        assertThat(t.getProvider().getName()).isEqualTo("envoy.tracers.opentelemetry");
        OpenTelemetryConfig o = t.getProvider().getTypedConfig().unpack(OpenTelemetryConfig.class);
        assertThat(o.getHttpService().getHttpUri().getUri())
                .isEqualTo("http://otel-collector.observability:4318/v1/traces");
        assertThat(o.getHttpService().getHttpUri().getCluster()).isEqualTo(TelemetryTranslator.COLLECTOR_CLUSTER);
        assertThat(s.clusters().resources().get(TelemetryTranslator.COLLECTOR_CLUSTER).getType())
                .isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    }

    @Test
    void noTracingNoTracingConfigAndNoCollector() throws Exception {
        Snapshot s = sidecar(mesh("accessLog: {}"));

        assertThat(hcm(s.listeners().resources().get("inbound"), 0).hasTracing()).isFalse();
        assertThat(s.clusters().resources()).doesNotContainKey(TelemetryTranslator.COLLECTOR_CLUSTER);
    }

    @Test
    void proxylessClientsGetNoTracing() throws Exception {
        Snapshot s = new TestMesh(dataDir).apply(mesh("tracing: {zipkin: {endpoint: \"http://127.0.0.1:9411\"}}"))
                .snapshot(Nodes.proxyless("grpc-client"));

        for (Listener l : s.listeners().resources().values()) {
            assertThat(l.getApiListener().getApiListener().unpack(HttpConnectionManager.class).hasTracing()).isFalse();
        }
        assertThat(s.clusters().resources()).doesNotContainKey(TelemetryTranslator.COLLECTOR_CLUSTER);
    }
}
