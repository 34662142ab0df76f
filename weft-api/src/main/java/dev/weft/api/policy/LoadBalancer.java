package dev.weft.api.policy;

/**
 * How a client picks an instance: {@code algorithm} (null: the mesh default) and, for {@code RING_HASH} only, the
 * {@code hash} key that keeps a client, user or session on one instance.
 */
public record LoadBalancer(LoadBalancerAlgorithm algorithm, HashPolicy hash) {
}
