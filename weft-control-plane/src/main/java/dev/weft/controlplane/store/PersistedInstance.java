package dev.weft.controlplane.store;

import dev.weft.api.registry.ServiceProtocol;
import dev.weft.ca.SpiffeId;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A registry instance that was registered at run time (through the API or by a sidecar), as the state file keeps it
 * so that it survives a control-plane restart. {@code protocol} and {@code ttl} may be null; {@code source} is "api"
 * or "sidecar"; {@code identity} is an authenticated sidecar's SPIFFE ID (null otherwise), so that callers keep
 * using mTLS to it while it reconnects after a restart.
 */
public record PersistedInstance(String namespace, String name, String service, String address, int port,
                                ServiceProtocol protocol, Map<String, String> labels, Duration ttl, String source,
                                SpiffeId identity) {

    public PersistedInstance {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(source, "source");
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
    }
}
