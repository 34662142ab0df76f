package dev.weft.proxy.tracing;

import com.google.protobuf.Message;
import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

/**
 * An http_connection_manager's {@code tracing}, checked and compiled: how many new traces to sample and where
 * the spans go. Equal configurations share one exporter ({@link #exporter()} is the key).
 *
 * @param samplingPercent {@code random_sampling} (0-100; Envoy's default 100), for requests that arrive without a decision
 * @param traceId128      whether new traces get 128-bit ids (always for OpenTelemetry; Zipkin's {@code trace_id_128bit})
 */
public record TracingConfig(double samplingPercent, boolean traceId128, Exporter exporter) {
    /** The extension name of Envoy's Zipkin tracer. */
    public static final String ZIPKIN = "envoy.tracers.zipkin";
    /** The extension name of Envoy's OpenTelemetry tracer. */
    public static final String OPENTELEMETRY = "envoy.tracers.opentelemetry";
    private static final long DEFAULT_TIMEOUT_MILLIS = 5_000;

    /** The collector side: format, cluster, HTTP path and Host, timeout, and the service name spans carry. */
    public record Exporter(Provider provider, String cluster, String path, String host, long timeoutMillis,
                           String serviceName) {
    }

    /** The report format. */
    public enum Provider {
        ZIPKIN("zipkin", new ZipkinJson()), OTLP("otlp", new OtlpJson());

        private final String statName;
        private final SpanEncoder encoder;

        Provider(String statName, SpanEncoder encoder) {
            this.statName = statName;
            this.encoder = encoder;
        }

        /** The middle of its counters' names ({@code tracing.zipkin.spans_sent}). */
        public String statName() {
            return statName;
        }

        public SpanEncoder encoder() {
            return encoder;
        }
    }

    /**
     * Compiles {@code tracing} whose provider's typed_config unpacked to {@code provider}.
     *
     * @param path     the path of {@code tracing}, for errors
     * @param clusters the clusters the configuration defines, which the collector cluster must be among
     */
    public static TracingConfig of(HttpConnectionManager.Tracing tracing, Message provider, String path,
                                   Map<String, ClusterSpec> clusters) throws ConfigException {
        double percent = 100;
        if (tracing.hasRandomSampling()) {
            percent = tracing.getRandomSampling().getValue();
            if (!(percent >= 0 && percent <= 100)) {
                throw new ConfigException(path + ".random_sampling.value", "must be 0-100, got " + percent);
            }
        }
        if (tracing.hasSpawnUpstreamSpan() && !tracing.getSpawnUpstreamSpan().getValue()) {
            throw new ConfigException(path + ".spawn_upstream_span", "false is not supported: Weft always starts a "
                    + "CLIENT span per upstream attempt, as a child of the request's SERVER span");
        }
        String providerPath = path + ".provider.typed_config";
        if (provider instanceof ZipkinConfig z) {
            return new TracingConfig(percent, z.getTraceId128Bit(), zipkin(z, providerPath, clusters));
        }
        if (provider instanceof OpenTelemetryConfig o) {
            return new TracingConfig(percent, true, otlp(o, providerPath, clusters));
        }
        throw new IllegalArgumentException("not a tracer config: " + provider.getDescriptorForType().getFullName());
    }

    private static Exporter zipkin(ZipkinConfig z, String path, Map<String, ClusterSpec> clusters) throws ConfigException {
        String cluster = cluster(z.getCollectorCluster(), path + ".collector_cluster", clusters);
        String endpoint = z.getCollectorEndpoint();
        if (endpoint.isEmpty()) {
            throw new ConfigException(path + ".collector_endpoint", "is required (the collector's path, e.g. "
                    + "/api/v2/spans)");
        }
        if (!endpoint.startsWith("/")) {
            throw new ConfigException(path + ".collector_endpoint", "must be a path starting with '/', got \""
                    + endpoint + "\"");
        }
        switch (z.getCollectorEndpointVersion()) {
            case HTTP_JSON, DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE -> {
                // unset reads as the default, HTTP_JSON, as in Envoy
            }
            default -> throw new ConfigException(path + ".collector_endpoint_version", z.getCollectorEndpointVersion()
                    + " is not supported by Weft (supported: HTTP_JSON)");
        }
        if (z.hasSharedSpanContext() && z.getSharedSpanContext().getValue()) {
            throw new ConfigException(path + ".shared_span_context", "true is not supported: Weft gives the SERVER "
                    + "and CLIENT spans of a hop their own ids (set it to false)");
        }
        String host = z.getCollectorHostname().isEmpty() ? cluster : z.getCollectorHostname();
        return new Exporter(Provider.ZIPKIN, cluster, endpoint, host, DEFAULT_TIMEOUT_MILLIS, null);
    }

    private static Exporter otlp(OpenTelemetryConfig o, String path, Map<String, ClusterSpec> clusters) throws ConfigException {
        if (o.hasGrpcService()) {
            throw new ConfigException(path + ".grpc_service", "is not supported by Weft: use http_service (OTLP/HTTP)");
        }
        if (!o.hasHttpService()) {
            throw new ConfigException(path + ".http_service", "is required (OTLP/HTTP collector)");
        }
        String uriPath = path + ".http_service.http_uri";
        if (!o.getHttpService().hasHttpUri()) {
            throw new ConfigException(uriPath, "is required");
        }
        HttpUri h = o.getHttpService().getHttpUri();
        String cluster = cluster(h.getCluster(), uriPath + ".cluster", clusters);
        URI uri;
        try {
            uri = new URI(h.getUri());
        } catch (URISyntaxException e) {
            throw new ConfigException(uriPath + ".uri", "is not a URI: " + e.getMessage());
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getRawAuthority() == null) {
            throw new ConfigException(uriPath + ".uri", "must be an http:// URL such as http://otel-collector:4318/v1/traces, "
                    + "got \"" + h.getUri() + "\"");
        }
        String p = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/v1/traces" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            p += "?" + uri.getRawQuery();
        }
        long timeout = DEFAULT_TIMEOUT_MILLIS;
        if (h.hasTimeout()) {
            timeout = h.getTimeout().getSeconds() * 1000 + h.getTimeout().getNanos() / 1_000_000;
            if (timeout <= 0) {
                throw new ConfigException(uriPath + ".timeout", "must be at least 1ms");
            }
        }
        String service = o.getServiceName().isEmpty() ? null : o.getServiceName();
        return new Exporter(Provider.OTLP, cluster, p, uri.getRawAuthority(), timeout, service);
    }

    private static String cluster(String name, String path, Map<String, ClusterSpec> clusters)
            throws ConfigException {
        if (name.isEmpty()) {
            throw new ConfigException(path, "is required (the cluster of the collector)");
        }
        ClusterSpec cluster = clusters.get(name);
        if (cluster == null) {
            throw new ConfigException(path, "unknown cluster \"" + name + "\"");
        }
        if (cluster.tls() != null || !cluster.transportSocketMatches().isEmpty()) {
            throw new ConfigException(path, "cluster \"" + name + "\" uses TLS; Weft sends spans to a collector "
                    + "in plaintext (give the collector a cluster without transport_socket)");
        }
        return name;
    }
}
