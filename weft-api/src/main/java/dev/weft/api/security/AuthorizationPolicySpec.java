package dev.weft.api.security;

import dev.weft.api.Kind;
import dev.weft.api.Spec;
import java.util.List;

/**
 * The spec of an {@code AuthorizationPolicy}: for the workloads {@code selector} picks in the policy's namespace,
 * what {@code action} to take on a request one of {@code rules} matches. As in Istio, the rules are ORed; a policy
 * with no rules matches no request (so an ALLOW policy without rules denies every request to its workloads), and
 * a rule with no fields ({@code rules: [{}]}) matches every request.
 *
 * <p>Unlike Istio there is no root namespace whose policies apply mesh-wide: a policy applies in its own namespace
 * only. Mesh-wide default-deny is {@code MeshConfig spec.authorization.default: DENY}.
 */
public record AuthorizationPolicySpec(WorkloadSelector selector, AuthorizationAction action,
                                      List<AuthorizationRule> rules) implements Spec {

    public AuthorizationPolicySpec {
        selector = selector == null ? WorkloadSelector.ALL : selector;
        action = action == null ? AuthorizationAction.ALLOW : action;
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    @Override
    public Kind kind() {
        return Kind.AUTHORIZATION_POLICY;
    }
}
