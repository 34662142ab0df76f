package dev.weft.api.policy;

/** The wire format spans are exported in, named as its field under {@code telemetry.tracing}. */
public enum TracingProvider {
    /** Zipkin v2 JSON, {@code POST /api/v2/spans}. */
    ZIPKIN("zipkin", "/api/v2/spans"),
    /** OpenTelemetry OTLP/HTTP with JSON encoding, {@code POST /v1/traces}. */
    OTLP("otlp", "/v1/traces");

    private final String field;
    private final String defaultPath;

    TracingProvider(String field, String defaultPath) {
        this.field = field;
        this.defaultPath = defaultPath;
    }

    /** The YAML field under {@code tracing} that selects this provider. */
    public String field() {
        return field;
    }

    /** The collector's path when the endpoint URL has none. */
    public String defaultPath() {
        return defaultPath;
    }
}
