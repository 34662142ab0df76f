package dev.weft.controlplane.registry;

import dev.weft.api.registry.ServiceProtocol;
import dev.weft.ca.SpiffeId;
import java.util.Map;

/**
 * What a sidecar's node metadata registers: an instance of {@code service} at its inbound listener.
 *
 * @param identity the SPIFFE ID the sidecar's xDS stream was authenticated with (its inbound listener then speaks
 *                 mTLS), or null for a sidecar without identity ({@code --insecure})
 */
public record SidecarRegistration(String namespace, String name, String service, String address, int port,
                                  ServiceProtocol protocol, Map<String, String> labels, SpiffeId identity) {

    public SidecarRegistration {
        labels = Map.copyOf(labels);
    }
}
