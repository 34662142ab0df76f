package dev.weft.controlplane.stats;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Request counts of one {@link TrafficKey}: requests, failed requests, and the request duration histogram (cumulative
 * count per upper bound {@code le} in milliseconds, {@code +Inf} last). As scraped these are counters since the proxy
 * started; {@link #minus} makes them the counts of a window, and {@link #over} gives them a rate ({@code rps},
 * requests per second; 0 for counters), which {@link #plus} adds up.
 */
public record Traffic(double requests, double failures, NavigableMap<Double, Double> buckets, double rps) {

    static final Traffic EMPTY = new Traffic(0, 0, Collections.emptyNavigableMap(), 0);

    public Traffic {
        buckets = Collections.unmodifiableNavigableMap(new TreeMap<>(buckets));
    }

    /**
     * What was counted since {@code earlier} (a scrape of the same proxy). A counter that went down means the proxy
     * restarted, and then everything it has counted is new (Prometheus' reset rule).
     */
    Traffic minus(Traffic earlier) {
        if (requests < earlier.requests || failures < earlier.failures) {
            return this;
        }
        NavigableMap<Double, Double> delta = new TreeMap<>();
        for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
            double before = earlier.buckets.getOrDefault(bucket.getKey(), 0.0);
            if (bucket.getValue() < before) {
                return this;
            }
            delta.put(bucket.getKey(), bucket.getValue() - before);
        }
        return new Traffic(requests - earlier.requests, failures - earlier.failures, delta, 0);
    }

    /** These counts with their rate over {@code seconds} (0 or less: no rate). */
    Traffic over(double seconds) {
        return new Traffic(requests, failures, buckets, seconds > 0 ? requests / seconds : 0);
    }

    /** The sum of this and {@code other} (two proxies' counts of the same traffic). */
    Traffic plus(Traffic other) {
        NavigableMap<Double, Double> sum = new TreeMap<>(buckets);
        other.buckets.forEach((le, count) -> sum.merge(le, count, Double::sum));
        return new Traffic(requests + other.requests, failures + other.failures, sum, rps + other.rps);
    }

    /**
     * The {@code q} quantile of the request duration in milliseconds, as PromQL's {@code histogram_quantile} computes
     * it: linear interpolation inside the bucket the rank falls in (from 0 for the first bucket), the highest finite
     * bound when it falls in {@code +Inf}; null without observations.
     */
    public Double quantile(double q) {
        Double total = buckets.get(Double.POSITIVE_INFINITY);
        if (total == null || total <= 0) {
            return null;
        }
        double rank = q * total;
        double lower = 0;
        double below = 0;
        for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
            double upper = bucket.getKey();
            double count = bucket.getValue();
            if (count >= rank && count > below) {
                if (upper == Double.POSITIVE_INFINITY) {
                    return lower;
                }
                return lower + (upper - lower) * (rank - below) / (count - below);
            }
            lower = upper;
            below = Math.max(below, count);
        }
        return lower;
    }
}
