package dev.weft.proxy.route;

/** A route's retry_policy. CONTRACT, see RouteTable. */
public final class RetryPolicy {
    public int numRetries() { throw new UnsupportedOperationException(); }
    /** per_try_timeout in ms, 0 for none. */
    public long perTryTimeoutMillis() { throw new UnsupportedOperationException(); }
    public boolean retryOnConnectFailure() { throw new UnsupportedOperationException(); }
    /** reset: the upstream reset or closed the stream before a response. */
    public boolean retryOnReset() { throw new UnsupportedOperationException(); }
    public boolean retryOnRefusedStream() { throw new UnsupportedOperationException(); }
    /** Whether a response with this HTTP status is retried (5xx, gateway-error, retriable-status-codes). */
    public boolean retriableStatus(int httpStatus) { throw new UnsupportedOperationException(); }
    /** Whether a response with this grpc-status is retried (cancelled, deadline-exceeded, resource-exhausted, unavailable). */
    public boolean retriableGrpcStatus(int grpcStatus) { throw new UnsupportedOperationException(); }
    /** Delay before retry number {@code retry} (1-based): exponential from base_interval, capped at max_interval, full jitter. */
    public long backoffMillis(int retry) { throw new UnsupportedOperationException(); }
}
