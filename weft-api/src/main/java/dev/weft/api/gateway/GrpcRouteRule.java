package dev.weft.api.gateway;

import java.util.List;

/** One GRPCRoute rule: a call matching any of {@code matches} (none: every call) goes through {@code filters} to one of {@code backendRefs}. */
public record GrpcRouteRule(List<GrpcRouteMatch> matches, List<GrpcRouteFilter> filters,
                            List<GrpcBackendRef> backendRefs) {

    public GrpcRouteRule {
        matches = matches == null ? List.of() : List.copyOf(matches);
        filters = filters == null ? List.of() : List.copyOf(filters);
        backendRefs = backendRefs == null ? List.of() : List.copyOf(backendRefs);
    }
}
