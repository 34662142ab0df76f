package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Pem;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.registry.SidecarRegistration;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the translator emits for mTLS: inbound shapes per mode, clusters' transport_socket_matches, ROOTCA. */
class MtlsTranslationTest {

    private static final String SERVICES = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: reviews}
            spec: {ports: [{port: 9080}], serviceAccounts: [reviews-v1, reviews-v2]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: ratings}
            spec: {ports: [{port: 9090}]}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: legacy}
            spec: {ports: [{port: 8000}], mtls: {mode: DISABLE}}
            """;
    private static final SpiffeId REVIEWS = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews-v1");
    private static final SpiffeId PRODUCTPAGE = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/productpage");

    @TempDir
    Path dataDir;

    private TestMesh mesh;
    private CertificateAuthority ca;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new TestMesh(dataDir.resolve("state")).apply(SERVICES);
        ca = CertificateAuthority.builder(dataDir.resolve("ca"), "cluster.local").open();
        mesh.bundle = ca.bundle();
    }

    private static Node reviewsSidecar() {
        return Nodes.sidecar("reviews-a", "reviews", 15006, 8080, 0, List.of(), Map.of());
    }

    private static Node caller() {
        return Nodes.sidecar("productpage-a", "productpage", 0, 0, 15001, null, Map.of());
    }

    private static <T extends Message> T unpack(Any any, Class<T> type) {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static Listener inbound(Snapshot snapshot) {
        return snapshot.listeners().resources().get(Translator.INBOUND);
    }

    private static Cluster cluster(Snapshot snapshot, String service, int port) {
        return snapshot.clusters().resources().get("outbound|" + service + ".default|" + port);
    }

    private static void assertInboundTls(FilterChain chain) {
        assertThat(chain.getName()).isEqualTo("inbound-mtls");
        assertThat(chain.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
        DownstreamTlsContext tls = unpack(chain.getTransportSocket().getTypedConfig(), DownstreamTlsContext.class);
        assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
        CommonTlsContext common = tls.getCommonTlsContext();
        assertTlsVersions(common.getTlsParams());
        assertThat(common.getAlpnProtocolsList()).containsExactly("h2", "http/1.1");
        assertThat(common.getTlsCertificateSdsSecretConfigsList()).extracting(SdsSecretConfig::getName)
                .containsExactly("default");
        assertThat(common.getTlsCertificateSdsSecretConfigs(0).getSdsConfig().hasAds()).isTrue();
        assertThat(common.getValidationContextSdsSecretConfig().getName()).isEqualTo("ROOTCA");
        assertThat(common.getValidationContextSdsSecretConfig().getSdsConfig().hasAds()).isTrue();
        assertThat(chain.getFilters(0).getTypedConfig().is(HttpConnectionManager.class)).isTrue();
    }

    private static void assertTlsVersions(TlsParameters parameters) {
        assertThat(parameters.getTlsMinimumProtocolVersion()).isEqualTo(TlsParameters.TlsProtocol.TLSv1_2);
        assertThat(parameters.getTlsMaximumProtocolVersion()).isEqualTo(TlsParameters.TlsProtocol.TLSv1_3);
    }

    @Test
    void aSidecarWithoutIdentityGetsPlaintextOnlyAndNoRootCa() {
        Snapshot inbound = mesh.snapshot(reviewsSidecar());
        Snapshot outbound = mesh.snapshot(caller());

        Listener listener = inbound(inbound);
        assertThat(listener.getListenerFiltersList()).isEmpty();
        assertThat(listener.getFilterChainsList()).singleElement()
                .satisfies(chain -> assertThat(chain.hasTransportSocket()).isFalse());
        assertThat(inbound.secrets().resources()).isEmpty();
        assertThat(outbound.secrets().resources()).isEmpty();
        assertThat(cluster(outbound, "reviews", 9080).getTransportSocketMatchesList()).isEmpty();
    }

    @Test
    void thePermissiveDefaultAcceptsTlsAndPlaintextOnTheInboundPortToldApartByTheTlsInspector() {
        Listener listener = inbound(mesh.snapshot(reviewsSidecar(), REVIEWS));

        assertThat(listener.getListenerFiltersList()).singleElement().satisfies(filter -> {
            assertThat(filter.getName()).isEqualTo("envoy.filters.listener.tls_inspector");
            assertThat(filter.getTypedConfig().is(TlsInspector.class)).isTrue();
        });
        assertThat(listener.getFilterChainsList()).hasSize(2);
        FilterChain mtls = listener.getFilterChains(0);
        assertInboundTls(mtls);
        assertThat(mtls.getFilterChainMatch().getTransportProtocol()).isEqualTo("tls");
        FilterChain plaintext = listener.getFilterChains(1);
        assertThat(plaintext.getName()).isEqualTo("inbound-plaintext");
        assertThat(plaintext.getFilterChainMatch().getTransportProtocol()).isEqualTo("raw_buffer");
        assertThat(plaintext.hasTransportSocket()).isFalse();
        assertThat(plaintext.getFiltersList()).isEqualTo(mtls.getFiltersList());
    }

    @Test
    void strictInTheMeshConfigHasOneTlsChainThatRequiresAClientCertificate() throws Exception {
        mesh.apply("""
                apiVersion: weft.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec: {mtls: {mode: STRICT}}
                """);

        Listener listener = inbound(mesh.snapshot(reviewsSidecar(), REVIEWS));

        assertThat(listener.getListenerFiltersList()).isEmpty();
        assertThat(listener.getFilterChainsList()).singleElement().satisfies(chain -> {
            assertInboundTls(chain);
            assertThat(chain.hasFilterChainMatch()).isFalse();
        });
    }

    @Test
    void aServiceThatDisablesMtlsKeepsAPlaintextInboundAndItsCallersSpeakPlaintextToIt() throws Exception {
        mesh.apply("""
                apiVersion: weft.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec: {mtls: {mode: STRICT}}
                """);
        SpiffeId legacyId = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/legacy");

        Listener legacyInbound = inbound(mesh.snapshot(Nodes.sidecar("legacy-a", "legacy", 15006, 8000, 0,
                List.of(), Map.of()), legacyId));
        Snapshot callerSnapshot = mesh.snapshot(caller(), PRODUCTPAGE);

        assertThat(legacyInbound.getFilterChainsList()).singleElement()
                .satisfies(chain -> assertThat(chain.hasTransportSocket()).isFalse());
        assertThat(cluster(callerSnapshot, "legacy", 8000).getTransportSocketMatchesList()).isEmpty();
        assertThat(cluster(callerSnapshot, "ratings", 9090).getTransportSocketMatchesList()).hasSize(2);
    }

    @Test
    void aCallersClusterSpeaksMtlsToMarkedEndpointsCheckingTheServicesAccounts() {
        Snapshot snapshot = mesh.snapshot(caller(), PRODUCTPAGE);

        Cluster reviews = cluster(snapshot, "reviews", 9080);
        assertThat(reviews.getTransportSocketMatchesList()).hasSize(2);
        Cluster.TransportSocketMatch weft = reviews.getTransportSocketMatches(0);
        assertThat(weft.getName()).isEqualTo("tlsMode-weft");
        assertThat(weft.getMatch().getFieldsMap()).containsOnlyKeys("tlsMode");
        assertThat(weft.getMatch().getFieldsOrThrow("tlsMode").getStringValue()).isEqualTo("weft");
        assertThat(weft.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
        UpstreamTlsContext tls = unpack(weft.getTransportSocket().getTypedConfig(), UpstreamTlsContext.class);
        assertThat(tls.getSni()).isEqualTo("reviews.default");
        CommonTlsContext common = tls.getCommonTlsContext();
        assertTlsVersions(common.getTlsParams());
        assertThat(common.getAlpnProtocolsList()).as("ALPN follows the cluster's protocol").isEmpty();
        assertThat(common.getTlsCertificateSdsSecretConfigsList()).extracting(SdsSecretConfig::getName)
                .containsExactly("default");
        assertThat(common.getCombinedValidationContext().getValidationContextSdsSecretConfig().getName())
                .isEqualTo("ROOTCA");
        assertThat(common.getCombinedValidationContext().getDefaultValidationContext()
                .getMatchTypedSubjectAltNamesList()).allSatisfy(san -> assertThat(san.getSanType())
                        .isEqualTo(SubjectAltNameMatcher.SanType.URI))
                .extracting(san -> san.getMatcher().getExact())
                .containsExactly("spiffe://cluster.local/ns/default/sa/reviews-v1",
                        "spiffe://cluster.local/ns/default/sa/reviews-v2");
        Cluster.TransportSocketMatch plaintext = reviews.getTransportSocketMatches(1);
        assertThat(plaintext.getName()).isEqualTo("tlsMode-disabled");
        assertThat(plaintext.getMatch().getFieldsMap()).isEmpty();
        assertThat(plaintext.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.raw_buffer");
        assertThat(plaintext.getTransportSocket().getTypedConfig().is(RawBuffer.class)).isTrue();

        // a service without serviceAccounts runs as the account named like it
        assertThat(unpack(cluster(snapshot, "ratings", 9090).getTransportSocketMatches(0).getTransportSocket()
                .getTypedConfig(), UpstreamTlsContext.class).getCommonTlsContext().getCombinedValidationContext()
                .getDefaultValidationContext().getMatchTypedSubjectAltNamesList())
                .extracting(san -> san.getMatcher().getExact())
                .containsExactly("spiffe://cluster.local/ns/default/sa/ratings");
    }

    @Test
    void onlyEndpointsOfAuthenticatedSidecarsAreMarkedForMtls() throws Exception {
        mesh.registry.sidecarStreamOpened(new SidecarRegistration("default", "reviews-a", "reviews", "10.0.0.1",
                15006, null, Map.of(), REVIEWS));
        mesh.registry.sidecarStreamOpened(new SidecarRegistration("default", "reviews-b", "reviews", "10.0.0.2",
                15006, null, Map.of(), null));
        mesh.register("""
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: reviews-api}
                spec: {service: reviews, address: 10.0.0.3, port: 9080}
                """);
        mesh.apply("""
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: reviews-static}
                spec: {service: reviews, address: 10.0.0.4, port: 9080}
                """);

        ClusterLoadAssignment assignment = mesh.snapshot(caller(), PRODUCTPAGE).endpoints().resources()
                .get("outbound|reviews.default|9080");

        Map<String, LbEndpoint> byAddress = new java.util.TreeMap<>();
        assignment.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e -> byAddress.put(
                e.getEndpoint().getAddress().getSocketAddress().getAddress(), e)));
        assertThat(byAddress).containsOnlyKeys("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4");
        assertThat(byAddress.get("10.0.0.1").getMetadata().getFilterMetadataOrThrow("envoy.transport_socket_match")
                .getFieldsOrThrow("tlsMode").getStringValue()).isEqualTo("weft");
        // the others carry only the metrics labels (filter_metadata["weft"])
        assertThat(byAddress.get("10.0.0.2").getMetadata().getFilterMetadataMap()).as("a sidecar without identity")
                .containsOnlyKeys("weft");
        assertThat(byAddress.get("10.0.0.3").getMetadata().getFilterMetadataMap()).as("weft register")
                .containsOnlyKeys("weft");
        assertThat(byAddress.get("10.0.0.4").getMetadata().getFilterMetadataMap()).as("a ServiceInstance")
                .containsOnlyKeys("weft");
    }

    @Test
    void rootCaCarriesEveryRootOfTheBundleUnderTheSpiffeValidator() throws Exception {
        // given: a rotation added a second root
        ca.rotateRootAdd();
        mesh.bundle = ca.bundle();

        Snapshot snapshot = mesh.snapshot(reviewsSidecar(), REVIEWS);

        assertThat(snapshot.secrets().resources()).containsOnlyKeys("ROOTCA");
        Secret rootCa = snapshot.secrets().resources().get("ROOTCA");
        assertThat(rootCa.getValidationContext().getCustomValidatorConfig().getName())
                .isEqualTo("envoy.tls.cert_validator.spiffe");
        SPIFFECertValidatorConfig validator = unpack(rootCa.getValidationContext().getCustomValidatorConfig()
                .getTypedConfig(), SPIFFECertValidatorConfig.class);
        assertThat(validator.getTrustDomainsList()).singleElement().satisfies(domain -> {
            assertThat(domain.getName()).isEqualTo("cluster.local");
            assertThat(Pem.certificates(domain.getTrustBundle().getInlineString()))
                    .containsExactlyElementsOf(ca.bundle().roots()).hasSize(2);
        });
    }

    @Test
    void aBundleChangeChangesOnlyTheSecretsVersion() throws Exception {
        Snapshot before = mesh.snapshot(reviewsSidecar(), REVIEWS);

        ca.rotateRootAdd();
        mesh.bundle = ca.bundle();
        Snapshot after = mesh.snapshot(reviewsSidecar(), REVIEWS);

        assertThat(after.secrets().version()).isNotEqualTo(before.secrets().version());
        assertThat(after.listeners().version()).isEqualTo(before.listeners().version());
        assertThat(after.clusters().version()).isEqualTo(before.clusters().version());
    }

    @Test
    void proxylessClientsGetNoMtls() {
        Snapshot snapshot = mesh.snapshot(Nodes.proxyless("grpc-client"), PRODUCTPAGE);

        assertThat(snapshot.secrets().resources()).isEmpty();
        assertThat(snapshot.clusters().resources().values())
                .allSatisfy(c -> assertThat(c.getTransportSocketMatchesList()).isEmpty());
    }
}
