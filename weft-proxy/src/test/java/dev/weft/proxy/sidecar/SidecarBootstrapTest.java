package dev.weft.proxy.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import dev.weft.proxy.sidecar.SidecarBootstrap.Upstream;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SidecarBootstrapTest {

    private static SidecarBootstrap sidecar(int appPort, List<Upstream> upstreams) {
        return new SidecarBootstrap("127.0.0.1", 18000, "default", "reviews", "127.0.0.1", 15006, appPort, null,
                15001, upstreams, Map.of("version", "v2"), null, null, "127.0.0.1", 15000);
    }

    @Test
    void bootstrapPointsAdsAtTheControlPlaneCluster() {
        // when
        Bootstrap b = sidecar(8080, null).validate().toBootstrap();

        // then
        Cluster xds = b.getStaticResources().getClusters(0);
        assertThat(xds.getName()).isEqualTo(SidecarBootstrap.XDS_CLUSTER);
        assertThat(xds.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
        assertThat(xds.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                .getSocketAddress().getPortValue()).isEqualTo(18000);
        assertThat(b.getDynamicResources().getAdsConfig().getGrpcServices(0).getEnvoyGrpc().getClusterName())
                .isEqualTo(SidecarBootstrap.XDS_CLUSTER);
        assertThat(b.getDynamicResources().getLdsConfig().hasAds()).isTrue();
        assertThat(b.getDynamicResources().getCdsConfig().hasAds()).isTrue();
        assertThat(b.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(15000);
        assertThat(b.getNode().getId()).isEqualTo("sidecar~127.0.0.1~reviews.default~15006");
    }

    @Test
    void metadataCarriesTheInstanceAndWhatItCalls() {
        // given
        List<Upstream> upstreams = List.of(Upstream.parse("ratings"), Upstream.parse("details.prod=9001"));

        // when
        Struct m = sidecar(8080, upstreams).toBootstrap().getNode().getMetadata();

        // then
        assertThat(m.getFieldsOrThrow("weft.role").getStringValue()).isEqualTo("sidecar");
        assertThat(m.getFieldsOrThrow("weft.inbound_port").getNumberValue()).isEqualTo(15006);
        assertThat(m.getFieldsOrThrow("weft.app_port").getNumberValue()).isEqualTo(8080);
        assertThat(m.getFieldsOrThrow("weft.outbound_port").getNumberValue()).isEqualTo(15001);
        assertThat(m.getFieldsOrThrow("weft.admin_address").getStringValue()).isEqualTo("127.0.0.1:15000");
        assertThat(m.getFieldsOrThrow("weft.labels").getStructValue().getFieldsOrThrow("version").getStringValue())
                .isEqualTo("v2");
        Struct second = m.getFieldsOrThrow("weft.upstreams").getListValue().getValues(1).getStructValue();
        assertThat(second.getFieldsOrThrow("service").getStringValue()).isEqualTo("details");
        assertThat(second.getFieldsOrThrow("namespace").getStringValue()).isEqualTo("prod");
        assertThat(second.getFieldsOrThrow("port").getNumberValue()).isEqualTo(9001);
    }

    @Test
    void aClientOnlySidecarRegistersNothingAndMayCallEverything() {
        // when
        Struct m = sidecar(0, null).toBootstrap().getNode().getMetadata();

        // then
        assertThat(m.containsFields("weft.inbound_port")).isFalse();
        assertThat(m.containsFields("weft.app_port")).isFalse();
        assertThat(m.containsFields("weft.upstreams")).isFalse();
    }

    @Test
    void badValuesNameTheirOption() {
        assertThatThrownBy(() -> Upstream.parse("Reviews")).hasMessageContaining("'Reviews'");
        assertThatThrownBy(() -> Upstream.parse("reviews=99999")).hasMessageContaining("local port 99999");
        assertThatThrownBy(() -> Upstream.parse("reviews=x")).hasMessageContaining("'x' is not a number");
        assertThatThrownBy(() -> new SidecarBootstrap("127.0.0.1", 18000, "default", "Bad_Name", "127.0.0.1",
                15006, 8080, null, 0, null, null, null, null, "127.0.0.1", 0).validate())
                .hasMessageStartingWith("--service: 'Bad_Name'");
        assertThatThrownBy(() -> new SidecarBootstrap("127.0.0.1", 18000, "default", "a", "my-host",
                15006, 8080, null, 0, null, null, null, null, "127.0.0.1", 0).validate())
                .hasMessageStartingWith("--address: 'my-host'");
        assertThatThrownBy(() -> new SidecarBootstrap("127.0.0.1", 18000, "default", "a", "127.0.0.1",
                15006, 8080, "HTTP3", 0, null, null, null, null, "127.0.0.1", 0).validate())
                .hasMessageStartingWith("--app-protocol: 'HTTP3'");
        assertThatThrownBy(() -> new SidecarBootstrap("127.0.0.1", 18000, "default", "a", "127.0.0.1",
                15006, 8080, null, 15001, List.of(Upstream.parse("chat=15001")), null, null, null, "127.0.0.1", 0)
                .validate())
                .hasMessage("--upstream chat=15001: port 15001 is also --outbound-port");
        assertThatThrownBy(() -> new SidecarBootstrap("127.0.0.1", 18000, "default", "a", "127.0.0.1",
                15000, 8080, null, 0, null, null, null, null, "127.0.0.1", 15000).validate())
                .hasMessage("--admin-port: port 15000 is also --inbound-port");
        assertThatThrownBy(() -> new SidecarBootstrap("127.0.0.1", 0, "default", "a", "127.0.0.1",
                15006, 8080, null, 0, null, null, null, null, "127.0.0.1", 0).validate())
                .hasMessageStartingWith("--control-plane: 0");
    }
}
