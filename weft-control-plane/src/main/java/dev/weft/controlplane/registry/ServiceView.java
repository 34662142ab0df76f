package dev.weft.controlplane.registry;

import dev.weft.api.registry.ServicePort;
import java.util.List;

/**
 * A service and its instances. {@code declared} is true for a {@code Service} resource; an implicit service (only
 * instances name it) has the distinct ports of its instances, with their protocol (HTTP when unsaid).
 */
public record ServiceView(String namespace, String name, boolean declared, List<ServicePort> ports,
                          List<InstanceView> instances) {

    public ServiceView {
        ports = List.copyOf(ports);
        instances = List.copyOf(instances);
    }

    /** "name.namespace", as xDS resource names spell a service. */
    public String qualifiedName() {
        return name + "." + namespace;
    }
}
