package dev.weft.proxy.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.TrustBundle;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.it.MeshBootstraps;
import dev.weft.proxy.tls.Credential;
import dev.weft.proxy.tls.MeshPki;
import dev.weft.proxy.tls.Secrets;
import dev.weft.proxy.xds.Backoff;
import dev.weft.proxy.xds.XdsFixtures;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sidecar with a workload identity: its ADS stream presents the agent's SVID to a server with the control plane's
 * SVID, its listeners present the agent's current certificate (secret {@code default}, renewed for the next
 * handshake), and the ROOTCA secret the control plane sends becomes the bundle the agent trusts the control plane by.
 */
class SidecarXdsOverMtlsTest {
    private static final String TD = MeshPki.TRUST_DOMAIN;
    private static final SpiffeId WORKLOAD = new SpiffeId(TD, "default", "reviews");
    private static final String ADS = "envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources";
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private MeshPki pki;
    private ModelServer app;
    private final SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
    private SigningServer server;
    private ProxyServer proxy;

    @BeforeEach
    void start() throws Exception {
        pki = MeshPki.open(dir.resolve("ca"), TD);
        app = ModelServer.start(ModelServerConfig.builder().instanceId("app").build());
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
            proxy.stopped().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
        app.close();
    }

    /** The control plane: CSR signing by {@code ca} (the same directory as the PKI's) and ADS from the cache. */
    private void controlPlane(CertificateAuthority ca) throws Exception {
        server = SigningServer.start(ca, pki.ca(), SpiffeId.controlPlane(TD),
                new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl().bindService());
    }

    /** A STRICT inbound listener (secrets default and ROOTCA) in front of the app. */
    private void configure(String version, Secret rootCa) {
        cache.setSnapshot(XdsFixtures.NODE, Snapshot.create(List.of(MeshBootstraps.plainCluster("app", app.port())),
                List.of(), List.of(MeshBootstraps.inbound(MeshBootstraps.Mode.STRICT)), List.of(), List.of(rootCa),
                version));
    }

    private WorkloadIdentity join(CertificateAuthority ca) throws Exception {
        return WorkloadIdentity.builder(WORKLOAD)
                .controlPlane("127.0.0.1", server.port())
                .trustBundle(ca.bundle())
                .joinToken(ca.joinTokens().create("default", "reviews", Duration.ofMinutes(1)))
                .retryBackoff(new Backoff(20, 200))
                .join(Duration.ofSeconds(10));
    }

    @Test
    void xdsGoesOverMtlsAndListenersPresentTheAgentsCurrentCertificate() throws Exception {
        CertificateAuthority shortLived = CertificateAuthority.builder(dir.resolve("ca"), TD)
                .svidLifetime(Duration.ofSeconds(4)).open();
        controlPlane(shortLived);
        configure("1", pki.rootCa());
        WorkloadIdentity agent = join(shortLived);
        WorkloadCertificate first = agent.current();

        proxy = ProxyServer.start(BootstrapLoader.build(XdsFixtures.bootstrap(server.port())), 1, agent);
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(proxy.identity()).isSameAs(agent);
        assertThat(server.peers()).contains(ADS + " " + first.certificate().getSerialNumber().toString(16))
                .doesNotContain(ADS + " none");
        Credential caller = pki.svid("default", "productpage");
        int inbound = proxy.port("inbound");
        assertThat(served(inbound, caller)).isEqualTo(first.certificate().getSerialNumber());

        // 4 s SVIDs: the renewal replaces secret default, and the next handshake presents it
        await().atMost(WAIT).until(() -> agent.current() != first);
        await().atMost(WAIT).until(() -> served(inbound, caller).equals(agent.current().certificate().getSerialNumber()));
        assertThat(proxy.secrets().certificate(Secrets.DEFAULT).leaf()).isNotEqualTo(first.certificate());
    }

    @Test
    void theControlPlanesRootcaBecomesTheBundleTheAgentTrustsItBy() throws Exception {
        controlPlane(pki.ca());
        configure("1", pki.rootCa());
        WorkloadIdentity agent = join(pki.ca());
        proxy = ProxyServer.start(BootstrapLoader.build(XdsFixtures.bootstrap(server.port())), 1, agent);
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(agent.bundle()).isEqualTo(pki.bundle());

        // a rotation's first step: the control plane adds a root to the bundle it sends
        TrustBundle both = pki.bundle().with(MeshPki.open(dir.resolve("next"), TD).bundle().roots().get(0));
        configure("2", Secrets.spiffeValidation(Secrets.ROOTCA, Map.of(TD, both)));

        await().atMost(WAIT).until(() -> agent.bundle().equals(both));
    }

    @Test
    void aProxyIsNotStartedWithAnAgentThatHasNoCertificate() throws Exception {
        WorkloadIdentity agent = WorkloadIdentity.builder(WORKLOAD).controlPlane("127.0.0.1", 1)
                .trustBundle(pki.bundle()).joinToken("t").build();

        assertThatThrownBy(() -> ProxyServer.start(BootstrapLoader.build(XdsFixtures.bootstrap(1)), 1, agent))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no certificate yet");
        agent.close();
    }

    /** The serial of the certificate the listener on {@code port} presents to {@code caller}. */
    private static BigInteger served(int port, Credential caller) throws Exception {
        try (SSLSocket s = (SSLSocket) caller.clientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout((int) WAIT.toMillis());
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
