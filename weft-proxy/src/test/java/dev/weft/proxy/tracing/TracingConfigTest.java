package dev.weft.proxy.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.it.Bootstraps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** http_connection_manager.tracing: what loads, with which defaults, and the errors (with their paths) for the rest. */
class TracingConfigTest {
    private static final String HCM = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";
    private static final String ZIPKIN_TYPE = "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig";
    private static final String OTEL_TYPE = "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig";

    static String bootstrap(String tracing) {
        return Bootstraps.of(Bootstraps.routeTo("app", ""), Bootstraps.cluster("app", false, "", 8000)
                + Bootstraps.cluster("zipkin", false, "", 9411), tracing);
    }

    static String zipkin(String sampling, String config) {
        return "tracing:\n" + sampling + "  provider:\n    name: envoy.tracers.zipkin\n    typed_config:\n"
                + "      \"@type\": " + ZIPKIN_TYPE + "\n" + config.indent(6);
    }

    private static TracingConfig load(String tracing) throws ConfigException {
        ProxySnapshot s = BootstrapLoader.parse(bootstrap(tracing), "bootstrap.yaml");
        return s.listeners().get(0).http().tracing();
    }

    private static String error(String tracing) {
        try {
            BootstrapLoader.parse(bootstrap(tracing), "bootstrap.yaml");
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("loaded");
    }

    @Test
    void zipkinWithSampling() throws Exception {
        TracingConfig c = load(zipkin("  random_sampling: {value: 2.5}\n  spawn_upstream_span: true\n",
                "collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\ncollector_endpoint_version: HTTP_JSON\n"
                        + "trace_id_128bit: true\nshared_span_context: false\n"));

        assertThat(c.samplingPercent()).isEqualTo(2.5);
        assertThat(c.traceId128()).isTrue();
        assertThat(c.exporter()).isEqualTo(new TracingConfig.Exporter(TracingConfig.Provider.ZIPKIN, "zipkin",
                "/api/v2/spans", "zipkin", 5000, null));
    }

    @Test
    void zipkinDefaultsToEveryRequestAnd64BitIds() throws Exception {
        TracingConfig c = load(zipkin("", "collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\n"
                + "collector_hostname: zipkin.example\n"));

        assertThat(c.samplingPercent()).isEqualTo(100);
        assertThat(c.traceId128()).isFalse();
        assertThat(c.exporter().host()).isEqualTo("zipkin.example");
    }

    @Test
    void openTelemetryOverHttp() throws Exception {
        TracingConfig c = load("tracing:\n  random_sampling: {value: 1}\n  provider:\n    name: envoy.tracers.opentelemetry\n"
                + "    typed_config:\n      \"@type\": " + OTEL_TYPE + "\n      service_name: gateway\n"
                + "      http_service:\n        http_uri: {uri: \"http://otel:4318/v1/traces\", cluster: zipkin, timeout: 2s}\n");

        assertThat(c.samplingPercent()).isEqualTo(1);
        assertThat(c.traceId128()).isTrue();
        assertThat(c.exporter()).isEqualTo(new TracingConfig.Exporter(TracingConfig.Provider.OTLP, "zipkin",
                "/v1/traces", "otel:4318", 2000, "gateway"));
    }

    @Test
    void noTracingNoConfig() throws Exception {
        assertThat(load("")).isNull();
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> zipkinErrors() {
        return java.util.stream.Stream.of(
                split("  random_sampling: {value: 101}\n|collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\n"
                + "|.tracing.random_sampling.value: must be 0-100, got 101.0"),
                split("  spawn_upstream_span: false\n|collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\n"
                + "|.tracing.spawn_upstream_span: false is not supported: Weft always starts a CLIENT span per upstream "
                + "attempt, as a child of the request's SERVER span"),
                split("|collector_endpoint: /api/v2/spans\n"
                + "|.tracing.provider.typed_config.collector_cluster: is required (the cluster of the collector)"),
                split("|collector_cluster: nowhere\ncollector_endpoint: /api/v2/spans\n"
                + "|.tracing.provider.typed_config.collector_cluster: unknown cluster \"nowhere\""),
                split("|collector_cluster: zipkin\n"
                + "|.tracing.provider.typed_config.collector_endpoint: is required (the collector's path, e.g. /api/v2/spans)"),
                split("|collector_cluster: zipkin\ncollector_endpoint: api/v2/spans\n"
                + "|.tracing.provider.typed_config.collector_endpoint: must be a path starting with '/', got \"api/v2/spans\""),
                split("|collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\ncollector_endpoint_version: HTTP_PROTO\n"
                + "|.tracing.provider.typed_config.collector_endpoint_version: HTTP_PROTO is not supported by Weft "
                + "(supported: HTTP_JSON)"),
                split("|collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\nshared_span_context: true\n"
                + "|.tracing.provider.typed_config.shared_span_context: true is not supported: Weft gives the SERVER and "
                + "CLIENT spans of a hop their own ids (set it to false)"),
                split("|collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\nsplit_spans_for_request: true\n"
                + "|.tracing.provider.typed_config.split_spans_for_request: is not supported by Weft (see docs/envoy-compat.md)"),
                split("  verbose: true\n|collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\n"
                + "|.tracing.verbose: is not supported by Weft (see docs/envoy-compat.md)"));
    }

    private static org.junit.jupiter.params.provider.Arguments split(String row) {
        String[] p = row.split("\\|", -1);
        return org.junit.jupiter.params.provider.Arguments.of(p[0], p[1], p[2]);
    }

    @ParameterizedTest
    @MethodSource("zipkinErrors")
    void zipkinErrorsNameTheField(String sampling, String config, String problem) {
        assertThat(error(zipkin(sampling == null ? "" : sampling, config))).isEqualTo(HCM + problem);
    }

    @Test
    void otherProviderErrors() {
        assertThat(error("tracing: {random_sampling: {value: 5}}"))
                .isEqualTo(HCM + ".tracing.provider: is required (Weft exports spans to a envoy.tracers.zipkin or "
                        + "envoy.tracers.opentelemetry provider)");
        assertThat(error("tracing:\n  provider:\n    name: envoy.tracers.datadog\n    typed_config:\n      \"@type\": "
                + ZIPKIN_TYPE + "\n      collector_cluster: zipkin\n")).startsWith(HCM + ".tracing.provider");
        assertThat(error("tracing:\n  provider:\n    name: envoy.tracers.opentelemetry\n    typed_config:\n      \"@type\": "
                + OTEL_TYPE + "\n      grpc_service: {envoy_grpc: {cluster_name: zipkin}}\n"))
                .isEqualTo(HCM + ".tracing.provider.typed_config.grpc_service: is not supported by Weft: use "
                        + "http_service (OTLP/HTTP)");
        assertThat(error("tracing:\n  provider:\n    name: envoy.tracers.opentelemetry\n    typed_config:\n      \"@type\": "
                + OTEL_TYPE + "\n      http_service: {http_uri: {uri: \"https://otel:4318/v1/traces\", cluster: zipkin, "
                + "timeout: 1s}}\n"))
                .isEqualTo(HCM + ".tracing.provider.typed_config.http_service.http_uri.uri: must be an http:// URL "
                        + "such as http://otel-collector:4318/v1/traces, got \"https://otel:4318/v1/traces\"");
    }

    @Test
    void aCollectorClusterWithTlsIsRefused() {
        String yaml = Bootstraps.of(Bootstraps.routeTo("app", ""), Bootstraps.cluster("app", false, "", 8000)
                + Bootstraps.cluster("zipkin", false, "transport_socket:\n  name: envoy.transport_sockets.tls\n"
                        + "  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3."
                        + "UpstreamTlsContext\n    sni: zipkin.example\n", 9411),
                zipkin("", "collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\n"));

        assertThatThrownBy(() -> BootstrapLoader.parse(yaml, "bootstrap.yaml")).isInstanceOf(ConfigException.class)
                .hasMessage(HCM + ".tracing.provider.typed_config.collector_cluster: cluster \"zipkin\" uses TLS; "
                        + "Weft sends spans to a collector in plaintext (give the collector a cluster without "
                        + "transport_socket)");
    }

    @Test
    void anUnreadableSamplingIsAShapeError() {
        assertThatThrownBy(() -> load(zipkin("  random_sampling: {value: lots}\n",
                "collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("random_sampling.value");
    }
}
