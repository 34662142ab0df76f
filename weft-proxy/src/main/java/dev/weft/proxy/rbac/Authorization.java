package dev.weft.proxy.rbac;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.SupportedFields;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import java.util.ArrayList;
import java.util.List;

/**
 * The RBAC filters of one HTTP connection manager, compiled once per configuration and run in their
 * order on each request head, before routing: the first filter that denies ends the evaluation (so a
 * DENY filter placed before an ALLOW filter is evaluated first, as Envoy runs its filter chain).
 * Envoy's semantics per filter: ALLOW denies a request no policy matches, DENY denies one some policy
 * matches, LOG denies nothing and marks the request audited when a policy matches. A policy matches
 * when any of its permissions and any of its principals do. Immutable and shared by event loops.
 */
public final class Authorization {
    /** No RBAC filter: every request is allowed without evaluation or stats. */
    public static final Authorization NONE = new Authorization(List.of(), 0);

    private final RbacFilter[] filters;
    private final int policyCount;

    private Authorization(List<RbacFilter> filters, int policyCount) {
        this.filters = filters.toArray(new RbacFilter[0]);
        this.policyCount = policyCount;
    }

    /** Registers the RBAC fields this package implements (HeaderMatcher and StringMatcher are the route package's). */
    public static void registerFields(SupportedFields fields) {
        RbacFields.register(fields);
    }

    /** Collects an HTTP connection manager's RBAC filters in order. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether there is any filter to evaluate. */
    public boolean isEmpty() {
        return filters.length == 0;
    }

    /** The filters, in evaluation order (filters without rules are left out, as they enforce nothing). */
    public List<RbacFilter> filters() {
        return List.of(filters);
    }

    int policyCount() {
        return policyCount;
    }

    /**
     * Decides on {@code request} and counts the decision in {@code stats}: the request's outcome once
     * (allowed or denied) and each policy that decided or audited it.
     */
    public RbacVerdict evaluate(RbacRequest request, RbacStats stats) {
        String audited = null;
        for (RbacFilter f : filters) {
            RbacPolicy p = f.firstMatch(request);
            switch (f.action()) {
                case ALLOW -> {
                    if (p == null) {
                        stats.denied.increment();
                        return RbacVerdict.denied(f.name(), null, audited);
                    }
                    stats.policy[p.index()].increment();
                }
                case DENY -> {
                    if (p != null) {
                        stats.policy[p.index()].increment();
                        stats.denied.increment();
                        return RbacVerdict.denied(f.name(), p.name(), audited);
                    }
                }
                case LOG -> {
                    if (p != null) {
                        stats.policy[p.index()].increment();
                        if (audited == null) {
                            audited = p.name();
                        }
                    }
                }
            }
        }
        stats.allowed.increment();
        return RbacVerdict.allowed(audited);
    }

    /** Collects RBAC filters in the order of http_filters. */
    public static final class Builder {
        private final List<RbacFilter> filters = new ArrayList<>();
        private int policies;

        private Builder() {}

        /**
         * Compiles the filter named {@code name}; a {@link ConfigException} names the field under
         * {@code path}, the filter's typed_config.
         */
        public Builder add(String name, RBAC config, String path) throws ConfigException {
            RbacFilter f;
            try {
                f = RbacFilter.compile(name, config, policies);
            } catch (ConfigException e) {
                throw e.under(path);
            }
            if (f != null) {
                filters.add(f);
                policies += f.policies().length;
            }
            return this;
        }

        public Authorization build() {
            return filters.isEmpty() ? NONE : new Authorization(filters, policies);
        }
    }
}
