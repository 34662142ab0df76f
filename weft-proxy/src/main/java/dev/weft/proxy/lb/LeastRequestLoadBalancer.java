package dev.weft.proxy.lb;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * LEAST_REQUEST: samples {@code choiceCount} healthy hosts (with replacement, as Envoy does) and
 * keeps the one with the fewest requests in flight per unit of weight.
 *
 * <p>With equal weights this is Envoy's power-of-N-choices exactly. With unequal weights Envoy
 * switches to an EDF schedule of {@code weight / (active + 1)}, which needs a lock around mutable
 * scheduler state; instead the candidates here are sampled in proportion to weight and compared by
 * {@code active / weight}. An idle cluster then gets traffic exactly in proportion to weight, and a
 * busy one converges to in-flight counts proportional to weight, which is what the EDF aims at,
 * while a pick stays lock-free.
 */
final class LeastRequestLoadBalancer implements LoadBalancer {
    private final PrioritySet<HealthyHosts> priorities;
    private final int choiceCount;

    LeastRequestLoadBalancer(List<Endpoint> endpoints, int choiceCount) {
        if (choiceCount < 2) {
            throw new IllegalArgumentException("choiceCount: " + choiceCount + " (expected: >= 2)");
        }
        this.priorities = new PrioritySet<>(endpoints, hosts -> hosts);
        this.choiceCount = choiceCount;
    }

    @Override
    public Endpoint choose(OptionalLong hash) {
        HealthyHosts hosts = priorities.current();
        if (hosts == null) {
            return null;
        }
        if (hosts.hosts().length == 1) {
            return hosts.hosts()[0];
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Endpoint best = hosts.pick(random);
        long bestActive = best.activeRequests();
        for (int i = 1; i < choiceCount; i++) {
            Endpoint candidate = hosts.pick(random);
            long active = candidate.activeRequests();
            // active / weight < bestActive / best.weight, without division
            if (active * best.weight() < bestActive * candidate.weight()) {
                best = candidate;
                bestActive = active;
            }
        }
        return best;
    }
}
