package dev.weft.proxy.rbac;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One compiled {@code envoy.extensions.filters.http.rbac.v3.RBAC} HTTP filter: an action and its
 * policies, sorted by name as Envoy keeps them, so that the policy a decision is attributed to is
 * the same in both. Immutable.
 */
public final class RbacFilter {
    /** What a filter does with a request some policy matches. */
    public enum Action {
        /** Requests no policy matches are denied. */
        ALLOW,
        /** Requests some policy matches are denied. */
        DENY,
        /** Nothing is denied; requests some policy matches are counted and marked audited. */
        LOG
    }

    private final String name;
    private final Action action;
    private final RbacPolicy[] policies;

    private RbacFilter(String name, Action action, RbacPolicy[] policies) {
        this.name = name;
        this.action = action;
        this.policies = policies;
    }

    /**
     * Compiles the {@code rules} of an RBAC filter's typed_config; null when there are none (Envoy then
     * enforces nothing). {@code firstIndex} numbers the first policy (see {@link RbacPolicy#index()}). A
     * {@link ConfigException}'s path is relative to the typed_config, e.g. {@code rules.policies["a"].principals[0]}.
     */
    static RbacFilter compile(String name, io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC config, int firstIndex)
            throws ConfigException {
        if (!config.hasRules()) {
            return null;
        }
        RBAC rules = config.getRules();
        Action action = switch (rules.getAction()) {
            case ALLOW -> Action.ALLOW;
            case DENY -> Action.DENY;
            case LOG -> Action.LOG;
            default -> throw new ConfigException("rules.action", "value " + rules.getActionValue()
                    + " is not supported (expected: ALLOW, DENY or LOG)");
        };
        Map<String, Policy> sorted = new TreeMap<>(rules.getPoliciesMap());
        RbacPolicy[] policies = new RbacPolicy[sorted.size()];
        int i = 0;
        for (Map.Entry<String, Policy> e : sorted.entrySet()) {
            String path = "rules.policies[\"" + e.getKey() + "\"]";
            if (e.getKey().isEmpty()) {
                throw new ConfigException(path, "a policy needs a name (it names the policy's stats)");
            }
            policies[i] = policy(e.getKey(), firstIndex + i, e.getValue(), path);
            i++;
        }
        return new RbacFilter(name, action, policies);
    }

    private static RbacPolicy policy(String name, int index, Policy p, String path) throws ConfigException {
        if (p.getPermissionsCount() == 0) {
            throw new ConfigException(path + ".permissions", "must hold at least one permission (any: true for all)");
        }
        if (p.getPrincipalsCount() == 0) {
            throw new ConfigException(path + ".principals", "must hold at least one principal (any: true for all)");
        }
        RequestMatcher[] permissions = new RequestMatcher[p.getPermissionsCount()];
        for (int i = 0; i < permissions.length; i++) {
            permissions[i] = Permissions.compile(p.getPermissions(i), path + ".permissions[" + i + "]");
        }
        RequestMatcher[] principals = new RequestMatcher[p.getPrincipalsCount()];
        for (int i = 0; i < principals.length; i++) {
            principals[i] = Principals.compile(p.getPrincipals(i), path + ".principals[" + i + "]");
        }
        return new RbacPolicy(name, index, RequestMatcher.or(permissions), RequestMatcher.or(principals));
    }

    /** The HTTP filter's name (e.g. weft.authz.deny). */
    public String name() {
        return name;
    }

    public Action action() {
        return action;
    }

    /** The policy names, sorted. */
    public List<String> policyNames() {
        return java.util.Arrays.stream(policies).map(RbacPolicy::name).toList();
    }

    RbacPolicy[] policies() {
        return policies;
    }

    /** The first policy, by name, that matches {@code request}; null when none does. */
    RbacPolicy firstMatch(RbacRequest request) {
        for (RbacPolicy p : policies) {
            if (p.matches(request)) {
                return p;
            }
        }
        return null;
    }
}
