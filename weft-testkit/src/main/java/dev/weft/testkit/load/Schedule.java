package dev.weft.testkit.load;

/**
 * The intended send times of a run: request {@code i} is intended at {@code start + i / rate}, each
 * computed from its index so rounding never accumulates into drift.
 */
final class Schedule {

    final long start;
    final long total;
    final long warmupRequests;
    private final double nanosPerRequest;
    private final double requestsPerNano;

    Schedule(LoadSpec spec, long start) {
        this.start = start;
        this.total = spec.totalRequests();
        this.warmupRequests = spec.warmupRequests();
        this.nanosPerRequest = 1e9 / spec.ratePerSecond();
        this.requestsPerNano = spec.ratePerSecond() / 1e9;
    }

    /** The {@link System#nanoTime()} at which request {@code index} is meant to be sent. */
    long intended(long index) {
        return start + (long) (index * nanosPerRequest);
    }

    /** How many requests are due at {@code now}: those intended at or before it, at most {@link #total}. */
    long dueAt(long now) {
        if (now < start) {
            return 0;
        }
        long due = Math.min(total, (long) ((now - start) * requestsPerNano) + 1);
        // The estimate above and intended() round differently; settle on intended()'s view.
        while (due < total && intended(due) <= now) {
            due++;
        }
        while (due > 0 && intended(due - 1) > now) {
            due--;
        }
        return due;
    }

    /** Whether request {@code index} falls in the measured window rather than the warm-up. */
    boolean measured(long index) {
        return index >= warmupRequests;
    }
}
