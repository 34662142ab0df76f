package dev.weft.api.policy;

/**
 * {@code MeshConfig.spec.telemetry}: what every sidecar reports beyond its metrics. Null parts are off: no
 * {@code tracing} means no spans are exported (trace headers are still passed through untouched), no
 * {@code accessLog} means no access log.
 */
public record Telemetry(Tracing tracing, AccessLog accessLog) {

    /** Neither tracing nor access logs. */
    public static final Telemetry NONE = new Telemetry(null, null);
}
