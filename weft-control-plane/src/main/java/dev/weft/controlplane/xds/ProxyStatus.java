package dev.weft.controlplane.xds;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A connected xDS client as {@code weft proxy-status} shows it: node id, namespace and service (empty for a proxyless
 * client without them), when its stream opened, and per resource type (LDS, RDS, CDS, EDS) what was sent and acked.
 *
 * @param adminAddress the sidecar's admin {@code host:port} (its metrics), or null when the node reported none
 * @param labels       the node's {@code weft.labels} (version, ...)
 */
public record ProxyStatus(String id, String namespace, String service, Instant connectedAt,
                          Map<String, TypeStatus> types, String adminAddress, Map<String, String> labels) {

    public ProxyStatus {
        types = Collections.unmodifiableMap(new TreeMap<>(types));
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
    }

    /** Whether the client has applied what was last sent of one resource type. */
    public enum SyncStatus {
        /** The client acked the version last sent. */
        SYNCED,
        /** A version was sent that the client has not acked (yet, or it NACKed it: see {@code error}). */
        STALE,
        /** Nothing of this type was sent on the current stream. */
        NOT_SENT
    }

    /**
     * One resource type: its status, the version last sent and the one last acked (null when none), and the reason
     * of the client's last NACK of the version sent (null when it did not NACK it).
     */
    public record TypeStatus(SyncStatus status, String sent, String acked, String error) {
    }
}
