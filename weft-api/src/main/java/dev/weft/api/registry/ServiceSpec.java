package dev.weft.api.registry;

import dev.weft.api.Kind;
import dev.weft.api.Spec;
import java.util.List;

/** The spec of a {@code Service} in the registry: its ports (at least one; port names are required when there are several). */
public record ServiceSpec(List<ServicePort> ports) implements Spec {

    public ServiceSpec {
        ports = ports == null ? List.of() : List.copyOf(ports);
    }

    @Override
    public Kind kind() {
        return Kind.SERVICE;
    }
}
