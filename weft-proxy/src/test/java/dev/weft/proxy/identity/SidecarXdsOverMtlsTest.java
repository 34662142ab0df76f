package dev.weft.proxy.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.xds.Backoff;
import dev.weft.proxy.xds.XdsFixtures;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sidecar with a workload identity takes its configuration over mutual TLS: the ADS stream presents the SVID the
 * agent holds (and, after a renewal, the new one on the next connection) to a server with the control plane's SVID.
 */
class SidecarXdsOverMtlsTest {
    private static final String TD = "cluster.local";
    private static final SpiffeId WORKLOAD = new SpiffeId(TD, "default", "reviews");
    private static final String ADS = "envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources";

    @TempDir
    Path dir;

    private SigningServer server;
    private ProxyServer proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
            proxy.stopped().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theAdsStreamPresentsTheWorkloadsCurrentSvid() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder(dir.resolve("ca"), TD).open();
        SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
        cache.setSnapshot(XdsFixtures.NODE, XdsFixtures.snapshot("1", List.of(XdsFixtures.staticCluster("local", 9)),
                List.of(), List.of(XdsFixtures.listener("main", 0, "main")),
                List.of(XdsFixtures.routes("main", "local"))));
        server = SigningServer.start(ca, ca, WorkloadIdentity.controlPlaneId(TD),
                new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl().bindService());
        WorkloadIdentity agent = WorkloadIdentity.builder(WORKLOAD)
                .controlPlane("127.0.0.1", server.port())
                .trustBundle(ca.bundle())
                .joinToken(ca.joinTokens().create("default", "reviews", Duration.ofMinutes(1)))
                .retryBackoff(new Backoff(20, 200))
                .build();
        agent.start();
        WorkloadCertificate svid = agent.awaitFirst(Duration.ofSeconds(10));

        proxy = ProxyServer.start(BootstrapLoader.build(XdsFixtures.bootstrap(server.port())), 1, agent);
        proxy.configured().get(15, TimeUnit.SECONDS);

        assertThat(proxy.identity()).isSameAs(agent);
        assertThat(server.peers()).contains(ADS + " " + svid.certificate().getSerialNumber().toString(16));
        assertThat(server.peers()).doesNotContain(ADS + " none");
    }

    @Test
    void aProxyIsNotStartedWithAnAgentThatHasNoCertificate() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder(dir.resolve("ca"), TD).open();
        WorkloadIdentity agent = WorkloadIdentity.builder(WORKLOAD).controlPlane("127.0.0.1", 1)
                .trustBundle(ca.bundle()).joinToken("t").build();

        assertThatThrownBy(() -> ProxyServer.start(BootstrapLoader.build(XdsFixtures.bootstrap(1)), 1, agent))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no certificate yet");
        agent.close();
    }
}
