package dev.weft.proxy.rbac;

import dev.weft.proxy.stats.Stats;
import java.util.concurrent.atomic.LongAdder;

/**
 * The RBAC counters of one listener's connection manager, created with its context so that
 * evaluation never looks a name up: {@code http.<stat_prefix>.rbac.allowed|denied} (one per request
 * evaluated) and {@code http.<stat_prefix>.rbac.policy.<policy>.allowed|denied|audited} (per policy of
 * an ALLOW, DENY or LOG filter, when it decided or audited a request).
 */
public final class RbacStats {
    final LongAdder allowed;
    final LongAdder denied;
    /** By {@link RbacPolicy#index()}: the one counter of the policy's filter action. */
    final LongAdder[] policy;

    public RbacStats(Stats stats, String statPrefix, Authorization authorization) {
        String p = "http." + statPrefix + ".rbac.";
        allowed = stats.counter(p + "allowed");
        denied = stats.counter(p + "denied");
        policy = new LongAdder[authorization.policyCount()];
        for (RbacFilter f : authorization.filters()) {
            String outcome = switch (f.action()) {
                case ALLOW -> ".allowed";
                case DENY -> ".denied";
                case LOG -> ".audited";
            };
            for (RbacPolicy rp : f.policies()) {
                stats.tag(p + "policy." + rp.name() + ".", "http.rbac.policy.",
                        "http_conn_manager_prefix", statPrefix, "policy", rp.name());
                policy[rp.index()] = stats.counter(p + "policy." + rp.name() + outcome);
            }
        }
    }
}
