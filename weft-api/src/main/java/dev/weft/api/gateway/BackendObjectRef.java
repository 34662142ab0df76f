package dev.weft.api.gateway;

/**
 * Where requests go: a Service ({@link #CORE_GROUP}, {@link #SERVICE_KIND}) or a Weft subset of one
 * ({@link #WEFT_GROUP}, {@link #SUBSET_KIND}), at a Service port. {@code namespace} null means the route's namespace.
 */
public record BackendObjectRef(String group, String kind, String name, String namespace, int port) {

    /** The Kubernetes core API group, written "". */
    public static final String CORE_GROUP = "";
    public static final String SERVICE_KIND = "Service";
    public static final String WEFT_GROUP = "weft.dev";
    /** A subset declared by a DestinationPolicy; see {@link dev.weft.api.policy.Subset}. */
    public static final String SUBSET_KIND = "Subset";

    public boolean isSubset() {
        return WEFT_GROUP.equals(group) && SUBSET_KIND.equals(kind);
    }

    /** The namespace of the backend, given the namespace of the route. */
    public String namespaceOr(String routeNamespace) {
        return namespace == null ? routeNamespace : namespace;
    }
}
