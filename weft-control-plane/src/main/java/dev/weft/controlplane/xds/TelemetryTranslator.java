package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.weft.api.policy.CollectorEndpoint;
import dev.weft.api.policy.Telemetry;
import dev.weft.api.policy.Tracing;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.List;

/**
 * MeshConfig {@code spec.telemetry} as xDS for every sidecar: {@code tracing} becomes each sidecar listener's
 * http_connection_manager {@code tracing} (random_sampling = samplingPercent, a SERVER span per request and a
 * CLIENT span per attempt, the Zipkin or OpenTelemetry provider), and the collector is reached directly (not
 * through the mesh) through one plaintext cluster, {@value #COLLECTOR_CLUSTER}: STATIC for an IP endpoint,
 * STRICT_DNS for a name; {@code accessLog} becomes an {@code access_log} on the same connection managers
 * ({@link AccessLogTranslator}). Built once per model; proxyless gRPC nodes get none of it.
 */
final class TelemetryTranslator {
    /** The cluster sidecars send spans to. */
    static final String COLLECTOR_CLUSTER = "weft-tracing-collector";
    private static final com.google.protobuf.Duration CONNECT_TIMEOUT =
            com.google.protobuf.Duration.newBuilder().setSeconds(1).build();
    private static final com.google.protobuf.Duration REPORT_TIMEOUT =
            com.google.protobuf.Duration.newBuilder().setSeconds(5).build();

    private final HttpConnectionManager.Tracing tracing;
    private final List<Cluster> clusters;
    private final AccessLogTranslator accessLog;

    TelemetryTranslator(Telemetry telemetry) {
        this.accessLog = AccessLogTranslator.of(telemetry.accessLog());
        Tracing t = telemetry.tracing();
        this.tracing = t == null ? null : tracing(t);
        this.clusters = t == null ? List.of() : List.of(collector(t.endpoint()));
    }

    /** Sets what the mesh's telemetry asks of a sidecar's connection manager. */
    HttpConnectionManager.Builder apply(HttpConnectionManager.Builder hcm) {
        if (tracing != null) {
            hcm.setTracing(tracing);
        }
        return accessLog.apply(hcm);
    }

    /** The clusters the telemetry needs on every sidecar (the collector's), empty when none. */
    List<Cluster> clusters() {
        return clusters;
    }

    private static HttpConnectionManager.Tracing tracing(Tracing t) {
        CollectorEndpoint e = t.endpoint();
        io.envoyproxy.envoy.config.trace.v3.Tracing.Http.Builder provider =
                io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder();
        switch (t.provider()) {
            case ZIPKIN -> provider.setName("envoy.tracers.zipkin").setTypedConfig(Any.pack(ZipkinConfig.newBuilder()
                    .setCollectorCluster(COLLECTOR_CLUSTER)
                    .setCollectorEndpoint(e.path())
                    .setCollectorEndpointVersion(ZipkinConfig.CollectorEndpointVersion.HTTP_JSON)
                    .setCollectorHostname(authority(e))
                    .setTraceId128Bit(true)
                    .setSharedSpanContext(BoolValue.of(false))
                    .build()));
            case OTLP -> provider.setName("envoy.tracers.opentelemetry").setTypedConfig(Any.pack(
                    OpenTelemetryConfig.newBuilder().setHttpService(HttpService.newBuilder().setHttpUri(
                            HttpUri.newBuilder().setUri(e.url()).setCluster(COLLECTOR_CLUSTER)
                                    .setTimeout(REPORT_TIMEOUT))).build()));
        }
        return HttpConnectionManager.Tracing.newBuilder()
                .setRandomSampling(Percent.newBuilder().setValue(t.samplingPercent()))
                .setSpawnUpstreamSpan(BoolValue.of(true))
                .setProvider(provider)
                .build();
    }

    private static String authority(CollectorEndpoint e) {
        String host = e.host().indexOf(':') >= 0 ? "[" + e.host() + "]" : e.host();
        return e.port() == 80 ? host : host + ":" + e.port();
    }

    private static Cluster collector(CollectorEndpoint e) {
        boolean literal = isIpLiteral(e.host());
        return Cluster.newBuilder()
                .setName(COLLECTOR_CLUSTER)
                .setType(literal ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
                .setConnectTimeout(CONNECT_TIMEOUT)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(COLLECTOR_CLUSTER)
                        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder()
                                        .setAddress(XdsResources.address(e.host(), e.port()))))))
                .build();
    }

    private static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        // digits and dots only: the API accepted it as an IPv4 literal (it refuses such DNS names)
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }
}
