package dev.weft.controlplane.registry;

import dev.weft.api.registry.ServiceProtocol;
import dev.weft.ca.SpiffeId;
import java.time.Instant;
import java.util.Map;

/**
 * One instance as the registry sees it at a moment: where it is, its labels, health and source, and its last
 * heartbeat (null for an instance without a TTL). {@code protocol} null means the Service port's. {@code identity} is
 * the SPIFFE ID of a sidecar that authenticated its xDS stream, whose inbound listener speaks mTLS (null otherwise).
 */
public record InstanceView(String namespace, String name, String service, String address, int port,
                           ServiceProtocol protocol, Map<String, String> labels, InstanceHealth health,
                           InstanceSource source, Instant lastHeartbeat, SpiffeId identity) {

    public InstanceView {
        labels = Map.copyOf(labels);
    }

    public boolean healthy() {
        return health == InstanceHealth.HEALTHY;
    }

    /** Whether every label of {@code selector} is among this instance's labels. */
    public boolean matches(Map<String, String> selector) {
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
