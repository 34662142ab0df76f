package dev.weft.proxy.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram with fixed buckets, recorded without locks from any thread: one {@link LongAdder} per bucket
 * (not cumulative; the exposition sums them up) and one for the sum, so event loops recording the same series
 * do not contend on one cache line.
 */
public final class Histogram {
    private final Buckets buckets;
    private final LongAdder[] counts;
    private final LongAdder sum = new LongAdder();

    public Histogram(Buckets buckets) {
        this.buckets = buckets;
        this.counts = new LongAdder[buckets.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** Records a value in the buckets' recorded unit (negative values count as 0). */
    public void record(long value) {
        long v = Math.max(0, value);
        counts[buckets.index(v)].increment();
        sum.add(v);
    }

    public Buckets buckets() {
        return buckets;
    }

    /** Cumulative bucket counts (the last one is the count) and the sum in the exposed unit, read now. */
    public Snapshot snapshot() {
        long[] cumulative = new long[counts.length];
        long running = 0;
        for (int i = 0; i < counts.length; i++) {
            running += counts[i].sum();
            cumulative[i] = running;
        }
        return new Snapshot(cumulative, sum.sum() / buckets.unitsPerLe);
    }

    /** What a scrape shows: cumulative counts per bucket ({@code le} order, +Inf last) and the sum. */
    public record Snapshot(long[] cumulative, double sum) {
        public long count() {
            return cumulative[cumulative.length - 1];
        }
    }
}
