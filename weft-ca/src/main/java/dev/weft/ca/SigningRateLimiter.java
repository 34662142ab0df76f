package dev.weft.ca;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A token bucket in front of the CA's signing key: {@code ratePerSecond} permits refill continuously up to
 * {@code burst}. It caps the CPU a flood of CSRs can take and how fast a leaked join token could be exploited.
 * Thread-safe.
 */
public final class SigningRateLimiter {

    private final double ratePerNano;
    private final double burst;
    private final Clock clock;
    private double available;
    private Instant last;

    /**
     * @param ratePerSecond permits added per second (&gt; 0)
     * @param burst the most permits that can be taken at once (&ge; 1); the bucket starts full
     */
    public SigningRateLimiter(double ratePerSecond, int burst, Clock clock) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("ratePerSecond: " + ratePerSecond + " (expected: > 0 and finite)");
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst: " + burst + " (expected: >= 1)");
        }
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.clock = clock;
        this.available = burst;
        this.last = clock.instant();
    }

    /**
     * Takes one permit.
     *
     * @throws RateLimitedException with the time until the next permit when none is left
     */
    public synchronized void acquire() throws RateLimitedException {
        Instant now = clock.instant();
        // a clock stepped backwards refills nothing rather than draining the bucket
        long elapsed = Math.max(0, Duration.between(last, now).toNanos());
        available = Math.min(burst, available + elapsed * ratePerNano);
        last = now;
        if (available >= 1) {
            available -= 1;
            return;
        }
        long waitNanos = (long) Math.ceil((1 - available) / ratePerNano);
        throw new RateLimitedException(Duration.ofNanos(Math.max(waitNanos, 1_000_000)));
    }
}
