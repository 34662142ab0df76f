package dev.weft.controlplane.registry;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The registry at one moment: every service, declared or implicit, with its instances; ordered by namespace, name. */
public final class RegistrySnapshot {

    private final List<ServiceView> services;
    private final Map<String, ServiceView> byName;

    RegistrySnapshot(List<ServiceView> services) {
        this.services = List.copyOf(services);
        this.byName = services.stream().collect(Collectors.toUnmodifiableMap(
                s -> key(s.namespace(), s.name()), Function.identity()));
    }

    public List<ServiceView> services() {
        return services;
    }

    public Optional<ServiceView> service(String namespace, String name) {
        return Optional.ofNullable(byName.get(key(namespace, name)));
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
