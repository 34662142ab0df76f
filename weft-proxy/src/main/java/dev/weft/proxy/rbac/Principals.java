package dev.weft.proxy.rbac;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.route.HeaderCondition;
import dev.weft.proxy.route.StringCondition;
import io.envoyproxy.envoy.config.rbac.v3.Principal;

/**
 * Compiles Envoy's RBAC {@code Principal} (who sends the request): any, authenticated, and_ids,
 * or_ids, not_id, header, url_path, direct_remote_ip, remote_ip. Other identifiers are refused by the
 * supported-field check before this runs; the default branch names them anyway.
 */
final class Principals {
    private Principals() {}

    /** {@code path} names the Principal. */
    static RequestMatcher compile(Principal p, String path) throws ConfigException {
        switch (p.getIdentifierCase()) {
            case ANY:
                return Permissions.any(p.getAny(), path);
            case AUTHENTICATED:
                return authenticated(p.getAuthenticated(), path + ".authenticated");
            case AND_IDS:
                return RequestMatcher.and(set(p.getAndIds(), path + ".and_ids"));
            case OR_IDS:
                return RequestMatcher.or(set(p.getOrIds(), path + ".or_ids"));
            case NOT_ID:
                return RequestMatcher.not(compile(p.getNotId(), path + ".not_id"));
            case HEADER:
                HeaderCondition header = HeaderCondition.compile(p.getHeader(), path + ".header");
                return request -> header.matches(request.head());
            case URL_PATH:
                return Permissions.urlPath(p.getUrlPath(), path + ".url_path");
            case DIRECT_REMOTE_IP:
                CidrMatcher direct = CidrMatcher.compile(p.getDirectRemoteIp(), path + ".direct_remote_ip");
                return request -> direct.contains(request.directRemoteAddress());
            case REMOTE_IP:
                CidrMatcher remote = CidrMatcher.compile(p.getRemoteIp(), path + ".remote_ip");
                return request -> remote.contains(request.remoteAddress());
            case IDENTIFIER_NOT_SET:
                throw new ConfigException(path, "one of any, authenticated, and_ids, or_ids, not_id, header, url_path, "
                        + "direct_remote_ip, remote_ip is required");
            default:
                throw new ConfigException(path + "." + p.getDescriptorForType().findFieldByNumber(p.getIdentifierCase().getNumber()).getName(),
                        "is not supported by Weft (see docs/envoy-compat.md)");
        }
    }

    /**
     * A verified peer: any, or one whose principal (the certificate's URI SAN, the SPIFFE ID) principal_name
     * matches. A request without a verified peer never matches, whatever principal_name says.
     */
    private static RequestMatcher authenticated(Principal.Authenticated a, String path) throws ConfigException {
        if (!a.hasPrincipalName()) {
            return request -> request.principal() != null;
        }
        StringCondition name = StringCondition.compile(a.getPrincipalName(), path + ".principal_name");
        return request -> {
            String principal = request.principal();
            return principal != null && name.matches(principal);
        };
    }

    private static RequestMatcher[] set(Principal.Set set, String path) throws ConfigException {
        if (set.getIdsCount() == 0) {
            throw new ConfigException(path + ".ids", "must hold at least one principal");
        }
        RequestMatcher[] ms = new RequestMatcher[set.getIdsCount()];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = compile(set.getIds(i), path + ".ids[" + i + "]");
        }
        return ms;
    }
}
