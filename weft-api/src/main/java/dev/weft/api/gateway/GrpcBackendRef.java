package dev.weft.api.gateway;

import java.util.List;

/** A GRPCRoute rule's backend with its share of traffic ({@code weight}, 0 to 1,000,000, default 1) and own filters. */
public record GrpcBackendRef(String group, String kind, String name, String namespace, int port, int weight,
                             List<GrpcRouteFilter> filters) {

    public GrpcBackendRef {
        filters = filters == null ? List.of() : List.copyOf(filters);
    }

    public BackendObjectRef objectRef() {
        return new BackendObjectRef(group, kind, name, namespace, port);
    }
}
