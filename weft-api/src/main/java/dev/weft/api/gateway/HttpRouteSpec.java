package dev.weft.api.gateway;

import dev.weft.api.Kind;
import dev.weft.api.Spec;
import java.util.List;

/** The spec of an {@code HTTPRoute}: the Services it attaches to, optional hostnames, and its rules (at least one). */
public record HttpRouteSpec(List<ParentRef> parentRefs, List<String> hostnames, List<HttpRouteRule> rules)
        implements Spec {

    public HttpRouteSpec {
        parentRefs = parentRefs == null ? List.of() : List.copyOf(parentRefs);
        hostnames = hostnames == null ? List.of() : List.copyOf(hostnames);
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    @Override
    public Kind kind() {
        return Kind.HTTP_ROUTE;
    }
}
