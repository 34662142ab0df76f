package dev.weft.proxy.route;

import com.google.protobuf.Duration;
import dev.weft.proxy.config.ConfigException;
import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A compiled retry_policy (route's, else virtual host's): when an attempt may be retried, how many
 * times, and how long to wait between attempts. Immutable.
 *
 * <p>As in Envoy, {@code 5xx}, {@code gateway-error} and {@code reset} also retry any reset
 * before a response, which includes connect failures and refused streams.
 */
public final class RetryPolicy {
    /** Envoy's default when retry_back_off is absent. */
    static final long DEFAULT_BASE_INTERVAL_MILLIS = 25;

    private final int numRetries;
    private final long perTryTimeoutMillis;
    private final boolean connectFailure;
    private final boolean reset;
    private final boolean refusedStream;
    private final boolean any5xx;
    private final boolean gatewayError;
    private final boolean retriable4xx;
    /** Statuses from retriable_status_codes, only when retry_on has retriable-status-codes. */
    private final BitSet statuses;
    /** grpc-status codes retried, as bits. */
    private final int grpcStatuses;
    private final long baseIntervalMillis;
    private final long maxIntervalMillis;
    /** Picks for a retry that may land on an endpoint already tried (previous_hosts), 0 without the predicate. */
    private final int hostReselections;

    private RetryPolicy(int numRetries, long perTryTimeoutMillis, boolean connectFailure, boolean reset,
            boolean refusedStream, boolean any5xx, boolean gatewayError, boolean retriable4xx, BitSet statuses,
            int grpcStatuses, long baseIntervalMillis, long maxIntervalMillis, int hostReselections) {
        this.numRetries = numRetries;
        this.perTryTimeoutMillis = perTryTimeoutMillis;
        this.connectFailure = connectFailure;
        this.reset = reset;
        this.refusedStream = refusedStream;
        this.any5xx = any5xx;
        this.gatewayError = gatewayError;
        this.retriable4xx = retriable4xx;
        this.statuses = statuses;
        this.grpcStatuses = grpcStatuses;
        this.baseIntervalMillis = baseIntervalMillis;
        this.maxIntervalMillis = maxIntervalMillis;
        this.hostReselections = hostReselections;
    }

    /** Compiles {@code p}; {@code path} names the retry_policy field. */
    static RetryPolicy compile(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, String path) throws ConfigException {
        boolean connectFailure = false;
        boolean reset = false;
        boolean refusedStream = false;
        boolean any5xx = false;
        boolean gatewayError = false;
        boolean retriable4xx = false;
        boolean statusCodes = false;
        int grpc = 0;
        for (String raw : p.getRetryOn().split(",")) {
            String token = raw.trim();
            switch (token) {
                case "":
                    break;
                case "5xx":
                    any5xx = true;
                    break;
                case "gateway-error":
                    gatewayError = true;
                    break;
                case "reset":
                    reset = true;
                    break;
                case "connect-failure":
                    connectFailure = true;
                    break;
                case "refused-stream":
                    refusedStream = true;
                    break;
                case "retriable-4xx":
                    retriable4xx = true;
                    break;
                case "retriable-status-codes":
                    statusCodes = true;
                    break;
                case "cancelled":
                    grpc |= 1 << 1;
                    break;
                case "deadline-exceeded":
                    grpc |= 1 << 4;
                    break;
                case "resource-exhausted":
                    grpc |= 1 << 8;
                    break;
                case "internal":
                    grpc |= 1 << 13;
                    break;
                case "unavailable":
                    grpc |= 1 << 14;
                    break;
                default:
                    throw new ConfigException(path + ".retry_on", "unsupported retry condition '" + token
                            + "' (supported: 5xx, gateway-error, reset, connect-failure, refused-stream, retriable-4xx,"
                            + " retriable-status-codes, cancelled, deadline-exceeded, resource-exhausted, internal,"
                            + " unavailable)");
            }
        }
        BitSet statuses = new BitSet(600);
        for (int i = 0; i < p.getRetriableStatusCodesCount(); i++) {
            int code = p.getRetriableStatusCodes(i);
            if (code < 100 || code > 599) {
                throw new ConfigException(path + ".retriable_status_codes[" + i + "]", code + " is not an HTTP status (expected 100-599)");
            }
            if (statusCodes) {
                statuses.set(code);
            }
        }
        int numRetries = p.hasNumRetries() ? p.getNumRetries().getValue() : 1;
        if (numRetries < 0) {
            throw new ConfigException(path + ".num_retries", "too large: " + Integer.toUnsignedString(numRetries));
        }
        long perTry = p.hasPerTryTimeout() ? Durations.millis(p.getPerTryTimeout(), path + ".per_try_timeout") : 0;
        long base = DEFAULT_BASE_INTERVAL_MILLIS;
        long max = 10 * base;
        if (p.hasRetryBackOff()) {
            String bp = path + ".retry_back_off";
            var b = p.getRetryBackOff();
            if (!b.hasBaseInterval()) {
                throw new ConfigException(bp + ".base_interval", "is required");
            }
            Duration bd = b.getBaseInterval();
            if (bd.getSeconds() < 0 || (bd.getSeconds() == 0 && bd.getNanos() <= 0)) {
                throw new ConfigException(bp + ".base_interval", "must be greater than 0");
            }
            // Envoy rounds sub-millisecond intervals up to 1 ms.
            base = Math.max(1, Durations.millis(bd, bp + ".base_interval"));
            max = 10 * base;
            if (b.hasMaxInterval()) {
                max = Durations.millis(b.getMaxInterval(), bp + ".max_interval");
                if (max < base) {
                    throw new ConfigException(bp + ".max_interval", max + " ms is less than base_interval " + base + " ms");
                }
            }
        }
        // the only predicate SupportedFields lets through is previous_hosts; Envoy re-picks once by default
        int reselections = 0;
        if (p.getRetryHostPredicateCount() > 0) {
            long n = p.getHostSelectionRetryMaxAttempts();
            if (n < 0 || n > 100) {
                throw new ConfigException(path + ".host_selection_retry_max_attempts", n + " (expected: 0 to 100)");
            }
            reselections = n == 0 ? 1 : (int) n;
        }
        return new RetryPolicy(numRetries, perTry, connectFailure, reset, refusedStream, any5xx, gatewayError,
                retriable4xx, statuses, grpc, base, max, reselections);
    }

    /** How many retries after the first attempt (num_retries, default 1). */
    public int numRetries() {
        return numRetries;
    }

    /** per_try_timeout in ms, 0 for none. */
    public long perTryTimeoutMillis() {
        return perTryTimeoutMillis;
    }

    /**
     * How many times a retry picks again when the balancer chose an endpoint an earlier attempt used
     * (retry_host_predicate previous_hosts, host_selection_retry_max_attempts); 0 when retries may
     * land anywhere.
     */
    public int hostReselections() {
        return hostReselections;
    }

    /** Whether a failure to connect to the upstream is retried. */
    public boolean retryOnConnectFailure() {
        return connectFailure || retryOnReset();
    }

    /** reset: the upstream reset or closed the stream before a response. */
    public boolean retryOnReset() {
        return reset || any5xx || gatewayError;
    }

    /** Whether an HTTP/2 stream refused by the upstream (REFUSED_STREAM) is retried. */
    public boolean retryOnRefusedStream() {
        return refusedStream || retryOnReset();
    }

    /** Whether a response with this HTTP status is retried (5xx, gateway-error, retriable-4xx, retriable-status-codes). */
    public boolean retriableStatus(int httpStatus) {
        if (any5xx && httpStatus >= 500 && httpStatus <= 599) {
            return true;
        }
        if (gatewayError && (httpStatus == 502 || httpStatus == 503 || httpStatus == 504)) {
            return true;
        }
        if (retriable4xx && httpStatus == 409) {
            return true;
        }
        return httpStatus >= 0 && httpStatus < 600 && statuses.get(httpStatus);
    }

    /** Whether a response with this grpc-status is retried (cancelled, deadline-exceeded, resource-exhausted, internal, unavailable). */
    public boolean retriableGrpcStatus(int grpcStatus) {
        return grpcStatus >= 0 && grpcStatus < 31 && (grpcStatuses & (1 << grpcStatus)) != 0;
    }

    /**
     * Delay before retry number {@code retry} (1-based): Envoy's fully jittered exponential
     * back-off, uniformly random below {@code (2^retry - 1) * base_interval}, capped at
     * max_interval (with the 25 ms default: 0-24 ms, 0-74 ms, 0-174 ms, ...).
     */
    public long backoffMillis(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry: " + retry + " (expected: >= 1)");
        }
        long bound;
        if (retry >= 62) {
            bound = Long.MAX_VALUE;
        } else {
            long multiplier = (1L << retry) - 1;
            bound = multiplier > Long.MAX_VALUE / baseIntervalMillis ? Long.MAX_VALUE : multiplier * baseIntervalMillis;
        }
        return Math.min(ThreadLocalRandom.current().nextLong(bound), maxIntervalMillis);
    }

    /** base_interval in ms (default 25). */
    public long baseIntervalMillis() {
        return baseIntervalMillis;
    }

    /** max_interval in ms (default 10 × base_interval). */
    public long maxIntervalMillis() {
        return maxIntervalMillis;
    }
}
