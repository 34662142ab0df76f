package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code weft.admin_address}: where the control plane scrapes a sidecar's metrics. */
class NodeInfoAdminAddressTest {

    @Test
    void aSidecarsAdminAddressIsRead() {
        assertThat(NodeInfo.from(withAdmin("127.0.0.1:15000")).adminAddress()).isEqualTo("127.0.0.1:15000");
        assertThat(NodeInfo.from(withAdmin("[::1]:15000")).adminAddress()).isEqualTo("[::1]:15000");
        assertThat(NodeInfo.from(withAdmin("localhost:1")).adminAddress()).isEqualTo("localhost:1");
    }

    @Test
    void withoutItTheNodeHasNone() {
        Node node = Nodes.sidecar("a", "chat", 0, 0, 15001, null, Map.of());
        assertThat(NodeInfo.from(node).adminAddress()).isNull();
        assertThat(NodeInfo.from(Nodes.proxyless("p")).adminAddress()).isNull();
    }

    @Test
    void aMalformedAddressIsRefusedNamingTheMetadataPath() {
        for (String bad : List.of("127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", ":15000", "::1:15000", "h:x")) {
            assertThatThrownBy(() -> NodeInfo.from(withAdmin(bad)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("node.metadata.weft.admin_address: must be host:port")
                    .hasMessageContaining(bad);
        }
    }

    private static Node withAdmin(String address) {
        Node node = Nodes.sidecar("a", "chat", 0, 0, 15001, null, Map.of());
        return node.toBuilder().setMetadata(node.getMetadata().toBuilder().putFields("weft.admin_address",
                Value.newBuilder().setStringValue(address).build())).build();
    }
}
