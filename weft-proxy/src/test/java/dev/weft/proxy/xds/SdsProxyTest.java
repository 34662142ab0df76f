package dev.weft.proxy.xds;

import static dev.weft.proxy.xds.XdsFixtures.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import dev.weft.ca.Pem;
import dev.weft.ca.TrustBundle;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.it.MeshBootstraps;
import dev.weft.proxy.it.MeshBootstraps.Mode;
import dev.weft.proxy.tls.Credential;
import dev.weft.proxy.tls.MeshPki;
import dev.weft.proxy.tls.Secrets;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SDS over a real ADS server (java-control-plane): the proxy asks for the secrets its listeners name except the
 * one its identity agent provides, warms until the trust bundle arrives, takes a new bundle for the next
 * handshake, and NACKs a bad secret naming its field.
 */
class SdsProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private MeshPki pki;
    private FakeControlPlane cp;
    private ProxyServer proxy;
    private ModelServer app;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        pki = MeshPki.open(dir.resolve("ca"), MeshPki.TRUST_DOMAIN);
        app = ModelServer.start(ModelServerConfig.builder().instanceId("app").build());
        resources.add(app);
        cp = FakeControlPlane.start();
        resources.add(cp);
        proxy = ProxyServer.start(BootstrapLoader.build(XdsFixtures.bootstrap(cp.port())), 2);
        resources.add(() -> {
            proxy.close();
            proxy.stopped().get(10, TimeUnit.SECONDS);
        });
        // the identity agent's certificate, before any configuration
        proxy.secrets().provideLocally(Secrets.DEFAULT, pki.svid("default", "reviews").secret(Secrets.DEFAULT));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void anMtlsListenerWarmsUntilTheControlPlaneSendsTheTrustBundle() throws Exception {
        cp.set(NODE, snapshot("1", List.of()));

        await().atMost(WAIT).untilAsserted(() -> assertThat(proxy.xdsStatus().warming()).containsExactly(Secrets.ROOTCA));
        assertThat(proxy.configured()).isNotDone();
        assertThat(admin("/ready").statusCode()).isEqualTo(503);
        assertThat(sdsRequests()).allSatisfy(r -> assertThat(r.getResourceNamesList())
                .as("the local certificate is never asked for").containsExactly(Secrets.ROOTCA));

        cp.set(NODE, snapshot("2", List.of(pki.rootCa())));
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(tlsGet(proxy.port("inbound"), pki.svid("default", "productpage"))).startsWith("HTTP/1.1 200");
        assertThat(admin("/ready").statusCode()).isEqualTo(200);
        assertThat(proxy.xdsStatus().warming()).isEmpty();
        await().atMost(WAIT).untilAsserted(() -> assertThat(sdsRequests())
                .anySatisfy(r -> assertThat(r.getVersionInfo()).isEqualTo("2")));
    }

    @Test
    void aNewBundleFromTheControlPlaneAppliesToTheNextHandshake() throws Exception {
        MeshPki next = MeshPki.open(dir.resolve("next-ca"), MeshPki.TRUST_DOMAIN);
        Credential fromNextRoot = next.svid("default", "productpage");
        cp.set(NODE, snapshot("1", List.of(pki.rootCa())));
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThatThrownBy(() -> tlsGet(proxy.port("inbound"), fromNextRoot)).as("a root not yet in the bundle")
                .isInstanceOf(IOException.class);

        TrustBundle both = pki.bundle().with(next.bundle().roots().get(0));
        cp.set(NODE, snapshot("2", List.of(Secrets.spiffeValidation(Secrets.ROOTCA, Map.of(MeshPki.TRUST_DOMAIN, both)))));

        await().atMost(WAIT).untilAsserted(() -> assertThat(tlsGet(proxy.port("inbound"), fromNextRoot)).startsWith("HTTP/1.1 200"));
        assertThat(tlsGet(proxy.port("inbound"), pki.svid("default", "productpage"))).as("the old root still")
                .startsWith("HTTP/1.1 200");
    }

    @Test
    void aSecretThatDoesNotCompileIsNackedNamingItsFieldAndTheOldBundleServes() throws Exception {
        cp.set(NODE, snapshot("1", List.of(pki.rootCa())));
        proxy.configured().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Credential leaf = pki.svid("default", "ratings");
        // a bundle holding a workload certificate instead of a root
        Secret notCa = Secret.newBuilder().setName(Secrets.ROOTCA)
                .setValidationContext(CertificateValidationContext.newBuilder()
                        .setCustomValidatorConfig(TypedExtensionConfig.newBuilder()
                                .setName(Secrets.SPIFFE_VALIDATOR)
                                .setTypedConfig(Any.pack(SPIFFECertValidatorConfig.newBuilder()
                                        .addTrustDomains(SPIFFECertValidatorConfig.TrustDomain.newBuilder()
                                                .setName(MeshPki.TRUST_DOMAIN)
                                                .setTrustBundle(DataSource.newBuilder().setInlineString(
                                                        Pem.encode(List.of(leaf.leaf())))))
                                        .build()))))
                .build();

        cp.set(NODE, snapshot("2", List.of(notCa)));

        await().atMost(WAIT).untilAsserted(() -> assertThat(proxy.xdsStatus().types().get(XdsType.SDS).error())
                .startsWith("Secret[ROOTCA].validation_context.custom_validator_config.typed_config.trust_domains[0]"
                        + ".trust_bundle: in inline_string: certificate 1"));
        assertThat(sdsRequests()).anySatisfy(r -> assertThat(r.getErrorDetail().getMessage()).contains("is not a CA certificate"));
        assertThat(proxy.xdsStatus().types().get(XdsType.SDS).version()).isEqualTo("1");
        assertThat(tlsGet(proxy.port("inbound"), pki.svid("default", "productpage"))).startsWith("HTTP/1.1 200");
    }

    // ---- fixtures

    private Snapshot snapshot(String version, List<Secret> secrets) {
        Listener inbound = MeshBootstraps.inbound(Mode.STRICT);
        Cluster appCluster = MeshBootstraps.plainCluster("app", app.port());
        return Snapshot.create(List.of(appCluster), List.of(), List.of(inbound), List.of(), secrets, version);
    }

    private List<DiscoveryRequest> sdsRequests() {
        return cp.requests().stream().filter(r -> r.getTypeUrl().equals(XdsType.SDS.typeUrl())).toList();
    }

    private HttpResponse<String> admin(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One GET over mTLS presenting {@code credential}; the response head, or the failure. */
    private static String tlsGet(int port, Credential credential) throws Exception {
        try (SSLSocket s = (SSLSocket) credential.clientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout((int) WAIT.toMillis());
            s.startHandshake();
            s.getOutputStream().write("GET /status/200 HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed after " + head.length() + " bytes");
                }
                head.append((char) b);
            }
            return head.toString();
        }
    }
}
