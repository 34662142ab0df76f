package dev.weft.proxy.route;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/** The backend choice of a RouteAction: one cluster, or a weighted random pick among several. */
final class WeightedPick {
    private final RouteEntry.Backend[] backends;
    /** cumulative[i] = sum of weights of backends 0..i. */
    private final long[] cumulative;

    WeightedPick(RouteEntry.Backend[] backends, long[] weights) {
        this.backends = backends;
        this.cumulative = new long[weights.length];
        long sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i];
            cumulative[i] = sum;
        }
    }

    static WeightedPick single(RouteEntry.Backend backend) {
        return new WeightedPick(new RouteEntry.Backend[] {backend}, new long[] {1});
    }

    RouteEntry.Backend pick() {
        if (backends.length == 1) {
            return backends[0];
        }
        long r = ThreadLocalRandom.current().nextLong(cumulative[cumulative.length - 1]);
        // The pick is the first backend whose cumulative weight exceeds r, so weight-0 backends never win.
        int i = Arrays.binarySearch(cumulative, r);
        if (i < 0) {
            i = -i - 1;
        }
        while (cumulative[i] <= r) {
            i++;
        }
        return backends[i];
    }
}
