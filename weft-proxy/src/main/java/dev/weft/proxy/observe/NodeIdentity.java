package dev.weft.proxy.observe;

import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;

/**
 * Who this proxy speaks for, as its bootstrap's node says: the workload (service), namespace and version a
 * sidecar reports in its {@code weft.*} node metadata. A proxy without them (a static gateway, say) is
 * "unknown", the word Istio's metrics use for what a proxy cannot tell.
 *
 * @param id        the node id ("unknown" when empty)
 * @param service   metadata {@code weft.service}, else the node's cluster, else "unknown"
 * @param namespace metadata {@code weft.namespace}, else "unknown"
 * @param version   label {@code version} of metadata {@code weft.labels}, else "unknown"
 */
public record NodeIdentity(String id, String service, String namespace, String version) {
    public static final String UNKNOWN = "unknown";
    public static final NodeIdentity NONE = new NodeIdentity(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);

    /** The identity a bootstrap's node declares. */
    public static NodeIdentity of(Node node) {
        Map<String, Value> m = node.getMetadata().getFieldsMap();
        String cluster = node.getCluster().isEmpty() ? UNKNOWN : node.getCluster();
        String version = UNKNOWN;
        Value labels = m.get("weft.labels");
        if (labels != null && labels.hasStructValue()) {
            Value v = labels.getStructValue().getFieldsMap().get("version");
            if (v != null && v.hasStringValue() && !v.getStringValue().isEmpty()) {
                version = v.getStringValue();
            }
        }
        return new NodeIdentity(node.getId().isEmpty() ? UNKNOWN : node.getId(), string(m, "weft.service", cluster),
                string(m, "weft.namespace", UNKNOWN), version);
    }

    private static String string(Map<String, Value> m, String key, String otherwise) {
        Value v = m.get(key);
        return v != null && v.hasStringValue() && !v.getStringValue().isEmpty() ? v.getStringValue() : otherwise;
    }
}
