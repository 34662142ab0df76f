package dev.weft.api.gateway;

/**
 * A route's parent (GAMMA): the Service whose traffic the route configures. {@code group} is "" and {@code kind}
 * "Service"; {@code namespace} null means the route's own namespace; {@code sectionName} (a Service port name) and
 * {@code port} (a Service port number), when set, narrow the route to one port of the Service.
 */
public record ParentRef(String group, String kind, String namespace, String name, String sectionName, Integer port) {

    /** The namespace of the parent Service, given the namespace of the route. */
    public String namespaceOr(String routeNamespace) {
        return namespace == null ? routeNamespace : namespace;
    }
}
