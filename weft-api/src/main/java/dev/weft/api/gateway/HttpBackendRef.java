package dev.weft.api.gateway;

import java.util.List;

/** An HTTPRoute rule's backend with its share of traffic ({@code weight}, 0 to 1,000,000, default 1) and own filters. */
public record HttpBackendRef(String group, String kind, String name, String namespace, int port, int weight,
                             List<HttpRouteFilter> filters) {

    public HttpBackendRef {
        filters = filters == null ? List.of() : List.copyOf(filters);
    }

    public BackendObjectRef objectRef() {
        return new BackendObjectRef(group, kind, name, namespace, port);
    }
}
