package dev.weft.controlplane.xds;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.List;
import java.util.Map;

/** xDS nodes as Weft sidecars and proxyless clients send them, for tests. */
final class Nodes {

    private Nodes() {
    }

    /** A sidecar of {@code service} in "default" with the given ports (0: none) and upstreams (null: all). */
    static Node sidecar(String id, String service, int inboundPort, int appPort, int outboundPort,
                        List<Map<String, Object>> upstreams, Map<String, String> labels) {
        Struct.Builder metadata = Struct.newBuilder()
                .putFields("weft.role", string("sidecar"))
                .putFields("weft.namespace", string("default"))
                .putFields("weft.service", string(service))
                .putFields("weft.address", string("127.0.0.1"))
                .putFields("weft.inbound_port", number(inboundPort))
                .putFields("weft.app_port", number(appPort))
                .putFields("weft.outbound_port", number(outboundPort));
        if (upstreams != null) {
            ListValue.Builder list = ListValue.newBuilder();
            for (Map<String, Object> upstream : upstreams) {
                Struct.Builder item = Struct.newBuilder();
                upstream.forEach((k, v) -> item.putFields(k, v instanceof Number n ? number(n.intValue())
                        : string(v.toString())));
                list.addValues(Value.newBuilder().setStructValue(item));
            }
            metadata.putFields("weft.upstreams", Value.newBuilder().setListValue(list).build());
        }
        Struct.Builder labelStruct = Struct.newBuilder();
        labels.forEach((k, v) -> labelStruct.putFields(k, string(v)));
        metadata.putFields("weft.labels", Value.newBuilder().setStructValue(labelStruct).build());
        return Node.newBuilder().setId(id).setCluster(service).setMetadata(metadata).build();
    }

    static Node proxyless(String id) {
        return Node.newBuilder().setId(id).build();
    }

    static NodeInfo info(Node node) {
        return NodeInfo.from(node);
    }

    private static Value string(String text) {
        return Value.newBuilder().setStringValue(text).build();
    }

    private static Value number(int n) {
        return Value.newBuilder().setNumberValue(n).build();
    }
}
