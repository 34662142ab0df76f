package dev.weft.controlplane.client;

import java.time.Instant;
import java.util.Map;

/**
 * A connected proxy as {@code GET /v1/proxies} lists it: per xDS type (LDS, RDS, CDS, EDS, and SDS, the ROOTCA
 * trust bundle, when the proxy asked for secrets) its sync status.
 *
 * @param adminAddress the sidecar's admin listener ({@code host:port}), null when it reported none
 */
public record ProxyInfo(String id, String namespace, String service, Instant connectedAt, Map<String, TypeSync> types,
                        String adminAddress) {

    public ProxyInfo {
        types = Map.copyOf(types);
    }

    public ProxyInfo(String id, String namespace, String service, Instant connectedAt, Map<String, TypeSync> types) {
        this(id, namespace, service, connectedAt, types, null);
    }

    /** One type: status "SYNCED", "STALE" or "NOT_SENT", versions sent and acked, last NACK reason (nullable). */
    public record TypeSync(String status, String sent, String acked, String error) {
    }
}
