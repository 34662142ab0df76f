package dev.weft.controlplane.registry;

import dev.weft.api.registry.ServiceProtocol;
import java.util.Map;

/** What a sidecar's node metadata registers: an instance of {@code service} at its inbound listener. */
public record SidecarRegistration(String namespace, String name, String service, String address, int port,
                                  ServiceProtocol protocol, Map<String, String> labels) {

    public SidecarRegistration {
        labels = Map.copyOf(labels);
    }
}
