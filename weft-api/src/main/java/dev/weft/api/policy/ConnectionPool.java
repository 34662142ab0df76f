package dev.weft.api.policy;

import java.time.Duration;

/**
 * Per-client limits of the upstream connection pool to a Service; each null field keeps the proxy's default.
 * {@code http2} true speaks HTTP/2 to the instances even when the Service port says HTTP.
 */
public record ConnectionPool(Integer maxConnections, Integer maxPendingRequests, Integer maxRequestsPerConnection,
                             Duration idleTimeout, Duration connectTimeout, Boolean http2) {
}
