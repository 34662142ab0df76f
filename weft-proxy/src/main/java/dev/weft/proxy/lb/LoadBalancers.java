package dev.weft.proxy.lb;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.SupportedFields;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LeastRequestLbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.RingHashLbConfig;
import java.util.List;

/**
 * Builds the load balancer a cluster asks for: ROUND_ROBIN, LEAST_REQUEST, RANDOM or RING_HASH,
 * each choosing among the healthy endpoints of the highest priority that has any.
 */
public final class LoadBalancers {
    static final int DEFAULT_CHOICE_COUNT = 2;
    /** More samples than this cost a pick more than they can improve it; a larger value is a config error. */
    static final int MAX_CHOICE_COUNT = 100;

    private LoadBalancers() {}

    /** Checks the cluster's lb_policy and its lb config; path relative to the cluster, e.g. "lb_policy". */
    public static void validate(Cluster cluster) throws ConfigException {
        LbPolicy policy = cluster.getLbPolicy();
        switch (policy) {
            case ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH -> { }
            case UNRECOGNIZED -> throw new ConfigException("lb_policy",
                    "value " + cluster.getLbPolicyValue() + " is not supported");
            default -> throw new ConfigException("lb_policy", policy.name() + " is not supported");
        }
        if (cluster.hasRingHashLbConfig()) {
            if (policy != LbPolicy.RING_HASH) {
                throw new ConfigException("ring_hash_lb_config", "is set but lb_policy is " + policy.name());
            }
            validateRingHash(cluster.getRingHashLbConfig());
        }
        if (cluster.hasLeastRequestLbConfig()) {
            if (policy != LbPolicy.LEAST_REQUEST) {
                throw new ConfigException("least_request_lb_config", "is set but lb_policy is " + policy.name());
            }
            validateLeastRequest(cluster.getLeastRequestLbConfig());
        }
    }

    private static void validateRingHash(RingHashLbConfig config) throws ConfigException {
        String prefix = "ring_hash_lb_config.";
        switch (config.getHashFunction()) {
            case XX_HASH -> { }
            case UNRECOGNIZED -> throw new ConfigException(prefix + "hash_function",
                    "value " + config.getHashFunctionValue() + " is not supported (expected: XX_HASH)");
            default -> throw new ConfigException(prefix + "hash_function",
                    config.getHashFunction().name() + " is not supported (expected: XX_HASH)");
        }
        long max = RingHashLoadBalancer.MAXIMUM_RING_SIZE;
        long minimum = minimumRingSize(config);
        long maximum = maximumRingSize(config);
        // uint64 fields: a negative long is a value above 2^63, so compare unsigned.
        if (minimum == 0 || Long.compareUnsigned(minimum, max) > 0) {
            throw new ConfigException(prefix + "minimum_ring_size",
                    Long.toUnsignedString(minimum) + " (expected: 1 to " + max + ")");
        }
        if (maximum == 0 || Long.compareUnsigned(maximum, max) > 0) {
            throw new ConfigException(prefix + "maximum_ring_size",
                    Long.toUnsignedString(maximum) + " (expected: 1 to " + max + ")");
        }
        if (minimum > maximum) {
            if (!config.hasMinimumRingSize()) {
                throw new ConfigException(prefix + "maximum_ring_size",
                        maximum + " is less than minimum_ring_size " + minimum + " (its default)");
            }
            throw new ConfigException(prefix + "minimum_ring_size",
                    minimum + " is greater than maximum_ring_size " + maximum);
        }
    }

    private static void validateLeastRequest(LeastRequestLbConfig config) throws ConfigException {
        long choices = choiceCount(config);
        if (choices < 2 || choices > MAX_CHOICE_COUNT) {
            throw new ConfigException("least_request_lb_config.choice_count",
                    choices + " (expected: 2 to " + MAX_CHOICE_COUNT + ")");
        }
    }

    /** Registers the load-balancing fields this package implements. */
    public static void registerFields(SupportedFields fields) {
        fields.allow(Cluster.getDescriptor(), "lb_policy", "ring_hash_lb_config", "least_request_lb_config");
        fields.allow(RingHashLbConfig.getDescriptor(), "minimum_ring_size", "maximum_ring_size", "hash_function");
        fields.allow(LeastRequestLbConfig.getDescriptor(), "choice_count");
    }

    /** A balancer over {@code endpoints} per the (validated) cluster's lb_policy. */
    public static LoadBalancer create(Cluster cluster, List<Endpoint> endpoints) {
        return switch (cluster.getLbPolicy()) {
            case ROUND_ROBIN -> new RoundRobinLoadBalancer(endpoints);
            case RANDOM -> new RandomLoadBalancer(endpoints);
            case LEAST_REQUEST -> new LeastRequestLoadBalancer(endpoints,
                    (int) choiceCount(cluster.getLeastRequestLbConfig()));
            case RING_HASH -> new RingHashLoadBalancer(endpoints,
                    minimumRingSize(cluster.getRingHashLbConfig()), maximumRingSize(cluster.getRingHashLbConfig()));
            default -> throw new IllegalArgumentException(
                    "lb_policy: " + cluster.getLbPolicy() + " (expected: a cluster that passed validate())");
        };
    }

    private static long minimumRingSize(RingHashLbConfig config) {
        return config.hasMinimumRingSize() ? config.getMinimumRingSize().getValue()
                : RingHashLoadBalancer.DEFAULT_MINIMUM_RING_SIZE;
    }

    private static long maximumRingSize(RingHashLbConfig config) {
        return config.hasMaximumRingSize() ? config.getMaximumRingSize().getValue()
                : RingHashLoadBalancer.MAXIMUM_RING_SIZE;
    }

    private static long choiceCount(LeastRequestLbConfig config) {
        return config.hasChoiceCount() ? Integer.toUnsignedLong(config.getChoiceCount().getValue())
                : DEFAULT_CHOICE_COUNT;
    }
}
