package dev.weft.ca;

import java.time.Duration;

/** The CA's signing rate limit is exhausted; {@link #retryAfter()} says when the next signature will be allowed. */
public final class RateLimitedException extends SigningRefusedException {
    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    RateLimitedException(Duration retryAfter) {
        super("signing rate limit exceeded; retry after " + retryAfter.toMillis() + " ms");
        this.retryAfter = retryAfter;
    }

    /** How long until a permit is available again (at least 1 ms). */
    public Duration retryAfter() {
        return retryAfter;
    }
}
