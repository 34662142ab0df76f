package dev.weft.api.gateway;

import dev.weft.api.Kind;
import dev.weft.api.Spec;
import java.util.List;

/** The spec of a {@code GRPCRoute}: the Services it attaches to, optional hostnames, and its rules. */
public record GrpcRouteSpec(List<ParentRef> parentRefs, List<String> hostnames, List<GrpcRouteRule> rules)
        implements Spec {

    public GrpcRouteSpec {
        parentRefs = parentRefs == null ? List.of() : List.copyOf(parentRefs);
        hostnames = hostnames == null ? List.of() : List.copyOf(hostnames);
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    @Override
    public Kind kind() {
        return Kind.GRPC_ROUTE;
    }
}
