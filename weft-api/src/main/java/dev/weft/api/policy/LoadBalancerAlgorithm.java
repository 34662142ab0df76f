package dev.weft.api.policy;

/** Load-balancing algorithms; the YAML spelling is the constant's name. */
public enum LoadBalancerAlgorithm {
    ROUND_ROBIN,
    /** Power of two choices on outstanding requests; suits long, uneven model-inference requests. */
    LEAST_REQUEST,
    RANDOM,
    /** Consistent hashing on a {@link HashPolicy} key. */
    RING_HASH
}
