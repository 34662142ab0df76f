package dev.weft.controlplane.stats;

import java.util.Comparator;

/** A service of the mesh, by namespace and name. */
public record ServiceKey(String namespace, String name) implements Comparable<ServiceKey> {

    private static final Comparator<ServiceKey> ORDER = Comparator.comparing(ServiceKey::namespace)
            .thenComparing(ServiceKey::name);

    /**
     * The service a metric label names: {@code name} alone, or a host name {@code name.namespace[.svc...]} whose
     * second label is the namespace when {@code namespace} is empty or "unknown".
     */
    public static ServiceKey of(String service, String namespace) {
        String ns = namespace == null ? "" : namespace;
        String name = service == null || service.isEmpty() ? "unknown" : service;
        int dot = name.indexOf('.');
        if (dot > 0) {
            int second = name.indexOf('.', dot + 1);
            String hostNamespace = name.substring(dot + 1, second < 0 ? name.length() : second);
            if (ns.isEmpty() || ns.equals("unknown")) {
                ns = hostNamespace;
            }
            name = name.substring(0, dot);
        }
        return new ServiceKey(ns.isEmpty() ? "unknown" : ns, name);
    }

    @Override
    public int compareTo(ServiceKey other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
