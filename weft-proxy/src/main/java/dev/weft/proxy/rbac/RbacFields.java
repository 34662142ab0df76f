package dev.weft.proxy.rbac;

import dev.weft.proxy.config.SupportedFields;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;

/**
 * The RBAC fields this package interprets: its rows of the supported-subset table. shadow_rules,
 * matchers, CEL conditions, metadata and custom principals or permissions are not among them, so a
 * config setting one is refused naming the field.
 */
final class RbacFields {
    private RbacFields() {}

    static void register(SupportedFields f) {
        f.allow(RBAC.getDescriptor(), "rules");
        f.allow(io.envoyproxy.envoy.config.rbac.v3.RBAC.getDescriptor(), "action", "policies");
        f.allow(Policy.getDescriptor(), "permissions", "principals");
        f.allow(Permission.getDescriptor(), "any", "header", "url_path", "and_rules", "or_rules", "not_rule",
                "destination_port");
        f.allow(Permission.Set.getDescriptor(), "rules");
        f.allow(Principal.getDescriptor(), "any", "authenticated", "and_ids", "or_ids", "not_id", "header", "url_path",
                "direct_remote_ip", "remote_ip");
        f.allow(Principal.Set.getDescriptor(), "ids");
        f.allow(Principal.Authenticated.getDescriptor(), "principal_name");
        f.allow(PathMatcher.getDescriptor(), "path");
        f.allow(CidrRange.getDescriptor(), "address_prefix", "prefix_len");
    }
}
