package dev.weft.api.policy;

import dev.weft.api.Kind;
import dev.weft.api.Spec;
import java.util.List;

/**
 * The spec of a {@code DestinationPolicy}: how clients reach the Service named by {@code targetRef} (in the policy's
 * namespace, at most one policy per Service). {@code loadBalancer} and {@code connectionPool} are null when the mesh
 * defaults apply; {@code subsets} name label-selected parts of the Service's instances.
 *
 * <p>Circuit breaking and outlier detection belong here as further fields once the proxy implements them; until
 * then a policy that sets {@code circuitBreaker} or {@code outlierDetection} is rejected as not supported yet rather
 * than accepted and ignored.
 */
public record DestinationPolicySpec(PolicyTargetRef targetRef, LoadBalancer loadBalancer,
                                    ConnectionPool connectionPool, List<Subset> subsets) implements Spec {

    public DestinationPolicySpec {
        subsets = subsets == null ? List.of() : List.copyOf(subsets);
    }

    @Override
    public Kind kind() {
        return Kind.DESTINATION_POLICY;
    }
}
