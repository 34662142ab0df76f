package dev.weft.proxy.lb;

import java.util.concurrent.ThreadLocalRandom;

/** The healthy endpoints of one priority level at one moment, ready for weighted random picks. */
final class HealthyHosts {
    private final int level;
    private final Endpoint[] hosts;
    /** Running sums of the weights; null when all weights are equal and a uniform pick suffices. */
    private final long[] cumulativeWeights;

    HealthyHosts(int level, Endpoint[] hosts) {
        if (hosts.length == 0) {
            throw new IllegalArgumentException("hosts: empty (expected: at least one healthy endpoint)");
        }
        this.level = level;
        this.hosts = hosts;
        this.cumulativeWeights = equalWeights(hosts) ? null : cumulativeWeights(hosts);
    }

    /** Index of the priority level in its {@link PrioritySet}, 0 for the highest. */
    int level() {
        return level;
    }

    /** The endpoints, in the order the cluster listed them; callers must not modify the array. */
    Endpoint[] hosts() {
        return hosts;
    }

    /** A host with probability proportional to its weight. */
    Endpoint pick(ThreadLocalRandom random) {
        if (cumulativeWeights == null) {
            return hosts[random.nextInt(hosts.length)];
        }
        long r = random.nextLong(cumulativeWeights[cumulativeWeights.length - 1]);
        // First index whose running sum exceeds r: host i owns [sum(i-1), sum(i)).
        int lo = 0;
        int hi = cumulativeWeights.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulativeWeights[mid] > r) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return hosts[lo];
    }

    static boolean equalWeights(Endpoint[] hosts) {
        for (Endpoint e : hosts) {
            if (e.weight() != hosts[0].weight()) {
                return false;
            }
        }
        return true;
    }

    private static long[] cumulativeWeights(Endpoint[] hosts) {
        long[] sums = new long[hosts.length];
        long sum = 0;
        for (int i = 0; i < hosts.length; i++) {
            sum += hosts[i].weight();
            sums[i] = sum;
        }
        return sums;
    }
}
