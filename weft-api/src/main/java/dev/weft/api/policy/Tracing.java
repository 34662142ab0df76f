package dev.weft.api.policy;

import java.util.Objects;

/**
 * {@code MeshConfig.spec.telemetry.tracing}: the share of new traces the sidecars sample (a request that arrives
 * with a sampling decision keeps it) and the collector the spans go to.
 *
 * @param samplingPercent 0 to 100, of the requests that start a trace (default {@value #DEFAULT_SAMPLING_PERCENT})
 */
public record Tracing(double samplingPercent, TracingProvider provider, CollectorEndpoint endpoint) {

    /** Istio's default: one request in a hundred starts a sampled trace. */
    public static final double DEFAULT_SAMPLING_PERCENT = 1.0;

    public Tracing {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(endpoint, "endpoint");
        if (!(samplingPercent >= 0 && samplingPercent <= 100)) {
            throw new IllegalArgumentException("samplingPercent: " + samplingPercent + " (expected: 0 to 100)");
        }
    }
}
