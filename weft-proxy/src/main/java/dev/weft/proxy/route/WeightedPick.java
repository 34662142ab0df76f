package dev.weft.proxy.route;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/** The cluster choice of a RouteAction: one cluster, or a weighted random pick among several. */
final class WeightedPick {
    private final String[] names;
    /** cumulative[i] = sum of weights of clusters 0..i. */
    private final long[] cumulative;

    WeightedPick(String[] names, long[] weights) {
        this.names = names;
        this.cumulative = new long[weights.length];
        long sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i];
            cumulative[i] = sum;
        }
    }

    static WeightedPick single(String name) {
        return new WeightedPick(new String[] {name}, new long[] {1});
    }

    String pick() {
        if (names.length == 1) {
            return names[0];
        }
        long r = ThreadLocalRandom.current().nextLong(cumulative[cumulative.length - 1]);
        // The pick is the first cluster whose cumulative weight exceeds r, so weight-0 clusters never win.
        int i = Arrays.binarySearch(cumulative, r);
        if (i < 0) {
            i = -i - 1;
        }
        while (cumulative[i] <= r) {
            i++;
        }
        return names[i];
    }
}
