package dev.weft.api.security;

import java.util.List;

/**
 * Who sends a request: it matches when every field that is set matches (each field's values are ORed, a
 * {@code not*} field matches when none of its values does). Principals are SPIFFE IDs and namespaces those of the
 * caller's certificate, so neither ever matches a plaintext request; each value may be a {@link Wildcard}.
 *
 * @param principals caller SPIFFE IDs, e.g. {@code spiffe://cluster.local/ns/shop/sa/frontend}
 * @param namespaces caller namespaces (the {@code ns} segment of its SPIFFE ID)
 * @param ipBlocks the caller's address (the TCP peer): an IP address or a CIDR block
 */
public record Source(List<String> principals, List<String> notPrincipals, List<String> namespaces,
                     List<String> notNamespaces, List<String> ipBlocks, List<String> notIpBlocks) {

    public Source {
        principals = copy(principals);
        notPrincipals = copy(notPrincipals);
        namespaces = copy(namespaces);
        notNamespaces = copy(notNamespaces);
        ipBlocks = copy(ipBlocks);
        notIpBlocks = copy(notIpBlocks);
    }

    static List<String> copy(List<String> values) {
        return values == null ? List.of() : List.copyOf(values);
    }
}
