package dev.weft.proxy.rbac;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.route.HeaderCondition;
import dev.weft.proxy.route.StringCondition;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;

/**
 * Compiles Envoy's RBAC {@code Permission} (what the request does): any, header (":method",
 * ":authority" and ":path" included), url_path, and_rules, or_rules, not_rule, destination_port.
 * Other rules are refused by the supported-field check before this runs; the default branch names
 * them anyway.
 */
final class Permissions {
    private Permissions() {}

    /** {@code path} names the Permission. */
    static RequestMatcher compile(Permission p, String path) throws ConfigException {
        switch (p.getRuleCase()) {
            case ANY:
                return any(p.getAny(), path);
            case AND_RULES:
                return RequestMatcher.and(set(p.getAndRules(), path + ".and_rules"));
            case OR_RULES:
                return RequestMatcher.or(set(p.getOrRules(), path + ".or_rules"));
            case NOT_RULE:
                return RequestMatcher.not(compile(p.getNotRule(), path + ".not_rule"));
            case HEADER:
                HeaderCondition header = HeaderCondition.compile(p.getHeader(), path + ".header");
                return request -> header.matches(request.head());
            case URL_PATH:
                return urlPath(p.getUrlPath(), path + ".url_path");
            case DESTINATION_PORT:
                int port = p.getDestinationPort();
                if (port < 1 || port > 65535) {
                    throw new ConfigException(path + ".destination_port", "must be 1-65535, got " + Integer.toUnsignedString(port));
                }
                return request -> request.destinationPort() == port;
            case RULE_NOT_SET:
                throw new ConfigException(path, "one of any, header, url_path, and_rules, or_rules, not_rule, "
                        + "destination_port is required");
            default:
                throw new ConfigException(path + "." + p.getDescriptorForType().findFieldByNumber(p.getRuleCase().getNumber()).getName(),
                        "is not supported by Weft (see docs/envoy-compat.md)");
        }
    }

    /** {@code any: true}; Envoy's validation refuses {@code any: false}, which would match nothing. */
    static RequestMatcher any(boolean any, String path) throws ConfigException {
        if (!any) {
            throw new ConfigException(path + ".any", "must be true");
        }
        return RequestMatcher.ANY;
    }

    /** The request's path without query and fragment against {@code m.path}; {@code path} names the PathMatcher. */
    static RequestMatcher urlPath(PathMatcher m, String path) throws ConfigException {
        if (!m.hasPath()) {
            throw new ConfigException(path + ".path", "is required");
        }
        StringCondition condition = StringCondition.compile(m.getPath(), path + ".path");
        return request -> condition.matches(request.path());
    }

    private static RequestMatcher[] set(Permission.Set set, String path) throws ConfigException {
        if (set.getRulesCount() == 0) {
            throw new ConfigException(path + ".rules", "must hold at least one permission");
        }
        RequestMatcher[] ms = new RequestMatcher[set.getRulesCount()];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = compile(set.getRules(i), path + ".rules[" + i + "]");
        }
        return ms;
    }
}
