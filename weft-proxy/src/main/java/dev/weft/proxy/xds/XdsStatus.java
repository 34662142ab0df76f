package dev.weft.proxy.xds;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What an ADS client knows, for the admin endpoint (/xds, /stats): whether it is connected, and per
 * resource type what it accepted, what it serves and what it last rejected.
 *
 * @param server          the control plane's address (host:port)
 * @param nodeId          the node id sent with every request
 * @param connected       whether a stream to the control plane is up
 * @param appliedSnapshot the version label of the configuration being served, null before the first
 * @param warming         RDS, EDS and secret names the accepted resources use that have not arrived yet
 * @param types           per type
 * @param lastRejection   the last response rejected (NACKed), null if none was
 */
public record XdsStatus(
        String server,
        String nodeId,
        boolean connected,
        String appliedSnapshot,
        List<String> warming,
        Map<XdsType, TypeStatus> types,
        Rejection lastRejection) {

    public XdsStatus {
        warming = List.copyOf(warming);
        types = Map.copyOf(types);
    }

    /**
     * One resource type.
     *
     * @param version        the version last accepted (ACKed), "" before any
     * @param appliedVersion the version of the configuration being served, "" before any
     * @param nonce          the nonce of the last response on the current stream
     * @param resources      the names of the accepted resources
     * @param subscribed     the names asked for (RDS, EDS); empty for a wildcard type
     * @param error          why the last response of this type was rejected, null when the last was accepted
     */
    public record TypeStatus(String version, String appliedVersion, String nonce, List<String> resources,
            List<String> subscribed, String error) {
        public TypeStatus {
            resources = List.copyOf(resources);
            subscribed = List.copyOf(subscribed);
        }
    }

    /** A rejected response: its type, version and the reason sent back as error_detail. */
    public record Rejection(XdsType type, String version, String reason, Instant at) {}
}
