package dev.weft.proxy.lb;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ROUND_ROBIN: walks a precomputed weighted schedule of the serving priority's healthy hosts.
 *
 * <p>The schedule is Envoy's earliest-deadline-first order laid out once: a host of weight w is due
 * at 1/w, 2/w, ... and the schedule lists hosts by due time (ties by position), so a host of weight 3
 * appears three times per cycle, spread out, and equal weights give a strict rotation. A pick is then
 * one atomic increment, with no lock. Each priority level keeps its own position, starting at a
 * random offset so that many proxies configured at once do not all begin with the same host.
 */
final class RoundRobinLoadBalancer implements LoadBalancer {
    /**
     * Longest schedule built; weights whose reduced sum exceeds it are scaled down (each host keeps
     * at least one slot), trading exact ratios for bounded memory when weights are in the millions.
     */
    static final int MAX_SCHEDULE = 1 << 16;

    private final PrioritySet<Schedule> priorities;
    private final AtomicLong[] positions;

    private record Schedule(int level, Endpoint[] slots) {}

    RoundRobinLoadBalancer(List<Endpoint> endpoints) {
        this.priorities = new PrioritySet<>(endpoints, hosts -> new Schedule(hosts.level(), schedule(hosts.hosts())));
        this.positions = new AtomicLong[priorities.levels().length];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < positions.length; i++) {
            positions[i] = new AtomicLong(random.nextInt(MAX_SCHEDULE));
        }
    }

    @Override
    public Endpoint choose(OptionalLong hash) {
        Schedule schedule = priorities.current();
        if (schedule == null) {
            return null;
        }
        Endpoint[] slots = schedule.slots;
        long position = positions[schedule.level].getAndIncrement();
        return slots[(int) Math.floorMod(position, (long) slots.length)];
    }

    /** One cycle of the weighted rotation over {@code hosts}. */
    static Endpoint[] schedule(Endpoint[] hosts) {
        if (HealthyHosts.equalWeights(hosts)) {
            return hosts.clone();
        }
        long[] weights = reducedWeights(hosts);
        long total = Arrays.stream(weights).sum();
        int[] picked = new int[hosts.length];
        // Next due time of host i is (picked[i] + 1) / weights[i]; compared crosswise to stay exact.
        PriorityQueue<Integer> due = new PriorityQueue<>(hosts.length, (a, b) -> {
            int c = Long.compare((picked[a] + 1L) * weights[b], (picked[b] + 1L) * weights[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        for (int i = 0; i < hosts.length; i++) {
            due.add(i);
        }
        Endpoint[] slots = new Endpoint[(int) total];
        for (int s = 0; s < slots.length; s++) {
            int i = due.poll();
            slots[s] = hosts[i];
            picked[i]++;
            due.add(i);
        }
        return slots;
    }

    /** Weights divided by their common divisor, then scaled down if their sum exceeds MAX_SCHEDULE. */
    private static long[] reducedWeights(Endpoint[] hosts) {
        long gcd = 0;
        for (Endpoint e : hosts) {
            gcd = gcd(gcd, e.weight());
        }
        long[] weights = new long[hosts.length];
        long sum = 0;
        for (int i = 0; i < hosts.length; i++) {
            weights[i] = hosts[i].weight() / gcd;
            sum += weights[i];
        }
        if (sum > MAX_SCHEDULE) {
            for (int i = 0; i < weights.length; i++) {
                weights[i] = Math.max(1, weights[i] * MAX_SCHEDULE / sum);
            }
        }
        return weights;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
