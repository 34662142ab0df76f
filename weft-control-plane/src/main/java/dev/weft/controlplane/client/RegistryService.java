package dev.weft.controlplane.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A service of the registry as {@code GET /v1/registry} lists it, with its ports and instances. */
public record RegistryService(String namespace, String name, boolean declared, List<Port> ports,
                              List<Instance> instances) {

    public RegistryService {
        ports = List.copyOf(ports);
        instances = List.copyOf(instances);
    }

    /** A service port; {@code name} may be null. */
    public record Port(String name, int port, String protocol) {
    }

    /**
     * An instance: health "HEALTHY" or "EXPIRED", source "static", "api" or "sidecar", and its last heartbeat
     * (null for an instance without a TTL).
     */
    public record Instance(String name, String address, int port, Map<String, String> labels, String health,
                           String source, Instant lastHeartbeat) {

        public Instance {
            labels = Map.copyOf(labels);
        }
    }
}
