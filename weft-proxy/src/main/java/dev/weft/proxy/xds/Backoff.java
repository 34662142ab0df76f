package dev.weft.proxy.xds;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Jittered exponential back-off: attempt {@code n} waits between half and all of
 * {@code min(max, initial * 2^n)}, so proxies that lost the same control plane do not come back
 * in step.
 *
 * @param initialMillis the ceiling of the first wait
 * @param maxMillis     the ceiling of every wait
 */
public record Backoff(long initialMillis, long maxMillis) {
    /** What the ADS client uses: 100 ms doubling up to 10 s. */
    public static final Backoff DEFAULT = new Backoff(100, 10_000);

    public Backoff {
        if (initialMillis < 1 || maxMillis < initialMillis) {
            throw new IllegalArgumentException("initialMillis: " + initialMillis + ", maxMillis: " + maxMillis
                    + " (expected: 1 <= initialMillis <= maxMillis)");
        }
    }

    /** The wait before attempt {@code attempt} (0 for the first retry). */
    public long delayMillis(int attempt) {
        long ceiling = initialMillis;
        for (int i = 0; i < attempt && ceiling < maxMillis; i++) {
            ceiling *= 2;
        }
        ceiling = Math.min(ceiling, maxMillis);
        long half = ceiling / 2;
        return half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
    }
}
