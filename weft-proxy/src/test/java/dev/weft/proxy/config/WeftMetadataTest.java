package dev.weft.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The clusters' and endpoints' filter_metadata["weft"], read for the labels of the request metrics. */
class WeftMetadataTest {

    private static String bootstrap(String clusterMetadata, String endpointMetadata) {
        return """
                admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
                static_resources:
                  clusters:
                  - name: chat
                    type: STATIC
                %s
                    load_assignment:
                      cluster_name: chat
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8001 } } }
                %s
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8002 } } }
                """.formatted(clusterMetadata, endpointMetadata);
    }

    @Test
    void clusterAndEndpointMetadataNameTheServiceAndTheWorkload() throws Exception {
        ProxySnapshot s = BootstrapLoader.parse(bootstrap(
                "    metadata: { filter_metadata: { weft: { service: chat, namespace: ml } } }",
                "          metadata: { filter_metadata: { weft: { workload: chat-v2, version: v2 } } }"), "b.yaml");

        ClusterSpec chat = s.clusters().get("chat");
        assertThat(chat.service()).isEqualTo(new WeftMetadata.Service("chat", "ml"));
        assertThat(chat.endpoints().get(0).workload()).isEqualTo(new WeftMetadata.Workload("chat-v2", "v2"));
        assertThat(chat.endpoints().get(1).workload()).isSameAs(WeftMetadata.Workload.NONE);
    }

    @Test
    void withoutMetadataNothingIsKnown() throws Exception {
        ClusterSpec chat = BootstrapLoader.parse(bootstrap("", ""), "b.yaml").clusters().get("chat");

        assertThat(chat.service()).isSameAs(WeftMetadata.Service.NONE);
        assertThat(chat.endpoints().get(0).workload()).isSameAs(WeftMetadata.Workload.NONE);
    }

    @Test
    void anUnknownKeyIsRefusedWithItsPath() {
        assertThatThrownBy(() -> BootstrapLoader.parse(bootstrap(
                "    metadata: { filter_metadata: { weft: { service: chat, owner: me } } }", ""), "b.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("static_resources.clusters[0].metadata.filter_metadata[\"weft\"].owner: is not supported by Weft"
                        + " (supported: [namespace, service])");
        assertThatThrownBy(() -> BootstrapLoader.parse(bootstrap(
                "    metadata: { filter_metadata: { istio: { service: chat } } }", ""), "b.yaml"))
                .hasMessage("static_resources.clusters[0].metadata.filter_metadata[\"istio\"]: is not supported by Weft"
                        + " (supported: weft)");
        assertThatThrownBy(() -> BootstrapLoader.parse(bootstrap("",
                "          metadata: { filter_metadata: { weft: { service: chat } } }"), "b.yaml"))
                .hasMessage("static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].metadata"
                        + ".filter_metadata[\"weft\"].service: is not supported by Weft (supported: [version, workload])");
    }

    @Test
    void aValueMustBeANonEmptyString() {
        assertThatThrownBy(() -> BootstrapLoader.parse(bootstrap("",
                "          metadata: { filter_metadata: { weft: { version: 2 } } }"), "b.yaml"))
                .hasMessage("static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].metadata"
                        + ".filter_metadata[\"weft\"].version: must be a non-empty string");
    }
}
