package dev.weft.proxy.lb;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/** RANDOM: a healthy host of the serving priority, with probability proportional to its weight. */
final class RandomLoadBalancer implements LoadBalancer {
    private final PrioritySet<HealthyHosts> priorities;

    RandomLoadBalancer(List<Endpoint> endpoints) {
        this.priorities = new PrioritySet<>(endpoints, hosts -> hosts);
    }

    @Override
    public Endpoint choose(OptionalLong hash) {
        HealthyHosts hosts = priorities.current();
        return hosts == null ? null : hosts.pick(ThreadLocalRandom.current());
    }
}
