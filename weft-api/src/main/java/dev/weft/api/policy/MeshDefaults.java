package dev.weft.api.policy;

import dev.weft.api.gateway.HttpRouteRetry;
import java.time.Duration;

/**
 * Mesh-wide defaults: the request {@code timeout} of a route rule without one, the {@code retries} of a rule without
 * a retry, and the load-balancing algorithm of a Service without a DestinationPolicy saying otherwise. Null: the
 * proxy's built-in behaviour.
 */
public record MeshDefaults(Duration timeout, HttpRouteRetry retries, LoadBalancerAlgorithm loadBalancerAlgorithm) {

    /** No defaults set. */
    public static final MeshDefaults NONE = new MeshDefaults(null, null, null);
}
