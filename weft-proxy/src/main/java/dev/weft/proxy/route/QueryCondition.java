package dev.weft.proxy.route;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;

/** A compiled QueryParameterMatcher: the parameter's first decoded value against a string matcher, or presence. */
final class QueryCondition {
    private final String name;
    /** null: present_match. */
    private final StringCondition value;

    private QueryCondition(String name, StringCondition value) {
        this.name = name;
        this.value = value;
    }

    static QueryCondition compile(QueryParameterMatcher m, String path) throws ConfigException {
        if (m.getName().isEmpty()) {
            throw new ConfigException(path + ".name", "must not be empty");
        }
        switch (m.getQueryParameterMatchSpecifierCase()) {
            case STRING_MATCH:
                return new QueryCondition(m.getName(), StringCondition.compile(m.getStringMatch(), path + ".string_match"));
            case PRESENT_MATCH:
                if (!m.getPresentMatch()) {
                    // In Envoy present_match: false makes the route never match, not "parameter absent".
                    throw new ConfigException(path + ".present_match", "false never matches in Envoy; only true is supported");
                }
                return new QueryCondition(m.getName(), null);
            default:
                // Envoy: a matcher with only a name requires the parameter to be present.
                return new QueryCondition(m.getName(), null);
        }
    }

    boolean matches(RequestView req) {
        String v = req.queryParameter(name);
        return v != null && (value == null || value.matches(v));
    }
}
