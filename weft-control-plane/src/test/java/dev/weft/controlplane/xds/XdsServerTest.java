package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Pem;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.TestClock;
import dev.weft.controlplane.XdsTls;
import dev.weft.controlplane.Yaml;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ProxyInfo;
import dev.weft.controlplane.client.RegistryService;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XdsServerTest {

    private static final Duration TTL = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String MESH = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: reviews}
            spec: {ports: [{port: 9080}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: reviews}
            spec:
              parentRefs: [{group: "", kind: Service, name: reviews}]
              rules:
                - matches: [{path: {type: PathPrefix, value: /v1}}]
                  backendRefs: [{name: reviews, port: 9080}]
            """;

    @TempDir
    Path dataDir;

    private final TestClock clock = new TestClock();
    private ControlPlane controlPlane;
    private ControlPlaneClient client;

    @BeforeEach
    void start() throws Exception {
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0).withClock(clock)
                .withSidecarTtl(TTL));
        client = controlPlane.client();
        client.apply(Yaml.resources(MESH), false);
    }

    @AfterEach
    void stop() {
        controlPlane.close();
    }

    private AdsTestClient sidecar(String id, int inboundPort) throws Exception {
        return new AdsTestClient(channel("default", "reviews"), Nodes.sidecar(id, "reviews", inboundPort, 8080,
                15001, List.of(Map.of("service", "reviews")), Map.of("version", "v1")));
    }

    /** A TLS channel presenting an SVID of {@code namespace}/{@code account}. */
    private ManagedChannel channel(String namespace, String account) throws Exception {
        return XdsTls.channel(controlPlane, clock, XdsTls.workload(controlPlane.certificateAuthority(),
                new SpiffeId("cluster.local", namespace, account)));
    }

    private ProxyInfo proxy(String id) throws Exception {
        return client.proxies().stream().filter(p -> p.id().equals(id)).findFirst().orElse(null);
    }

    private static List<String> endpoints(AdsTestClient ads) {
        ClusterLoadAssignment assignment = ads.endpoints().get("outbound|reviews.default|9080");
        return assignment == null ? List.of() : assignment.getEndpointsList().stream()
                .flatMap(l -> l.getLbEndpointsList().stream())
                .map(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
                        + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
                .toList();
    }

    @Test
    void aSidecarGetsItsConfigurationAndRegistersItself() throws Exception {
        try (AdsTestClient ads = sidecar("reviews-a", 15006)) {
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(ads.listeners()).containsOnlyKeys("inbound", "outbound");
                assertThat(ads.routes()).containsOnlyKeys("inbound", "outbound");
                assertThat(ads.clusters()).containsOnlyKeys("inbound|8080", "outbound|reviews.default|9080");
                assertThat(endpoints(ads)).containsExactly("127.0.0.1:15006");
            });

            RegistryService reviews = client.registry().get(0);
            assertThat(reviews.declared()).isTrue();
            assertThat(reviews.instances()).singleElement().satisfies(i -> {
                assertThat(i.name()).isEqualTo("reviews-127.0.0.1-15006");
                assertThat(i.source()).isEqualTo("sidecar");
                assertThat(i.health()).isEqualTo("HEALTHY");
                assertThat(i.labels()).containsEntry("version", "v1");
            });
            await().atMost(WAIT).untilAsserted(() -> assertThat(proxy("reviews-a").types().values())
                    .extracting(ProxyInfo.TypeSync::status).containsOnly("SYNCED"));
            assertThat(proxy("reviews-a").service()).isEqualTo("reviews");
        }
    }

    @Test
    void aNackShowsInProxyStatusWithItsReason() throws Exception {
        try (AdsTestClient ads = sidecar("reviews-a", 15006)) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(proxy("reviews-a")).isNotNull()
                    .satisfies(p -> assertThat(p.types().get("RDS").status()).isEqualTo("SYNCED")));
            String good = proxy("reviews-a").types().get("RDS").acked();

            ads.nackNext(Resources.V3.ROUTE_TYPE_URL, "route outbound: regex too large");
            client.apply(Yaml.resources(MESH.replace("value: /v1", "value: /v2")), false);

            await().atMost(WAIT).untilAsserted(() -> {
                ProxyInfo.TypeSync rds = proxy("reviews-a").types().get("RDS");
                assertThat(rds.status()).isEqualTo("STALE");
                assertThat(rds.error()).isEqualTo("route outbound: regex too large");
                assertThat(rds.acked()).isEqualTo(good);
                assertThat(rds.sent()).isNotEqualTo(good);
            });
            assertThat(proxy("reviews-a").types().get("LDS").status()).isEqualTo("SYNCED");
        }
    }

    @Test
    void aRouteChangeIsPushedAndAcked() throws Exception {
        try (AdsTestClient ads = sidecar("reviews-a", 15006)) {
            await().atMost(WAIT).until(() -> ads.routes().containsKey("outbound"));
            String listenersVersion = ads.latest(Resources.V3.LISTENER_TYPE_URL).response().getVersionInfo();

            client.apply(Yaml.resources(MESH.replace("value: /v1", "value: /v2")), false);

            await().atMost(WAIT).untilAsserted(() -> assertThat(ads.routes().get("outbound").getVirtualHosts(0)
                    .getRoutes(0).getMatch().getPathSeparatedPrefix()).isEqualTo("/v2"));
            assertThat(ads.latest(Resources.V3.LISTENER_TYPE_URL).response().getVersionInfo())
                    .isEqualTo(listenersVersion);
        }
    }

    @Test
    void aSidecarsInstanceExpiresOneTtlAfterItsStreamCloses() throws Exception {
        try (AdsTestClient observer = new AdsTestClient(channel("default", "caller"), Nodes.sidecar("caller",
                "caller", 0, 0, 15001, List.of(Map.of("service", "reviews")), Map.of()))) {
            AdsTestClient reviews = sidecar("reviews-a", 15006);
            await().atMost(WAIT).until(() -> endpoints(observer).equals(List.of("127.0.0.1:15006")));

            reviews.close();
            await().atMost(WAIT).until(() -> proxy("reviews-a") == null);
            clock.advance(TTL.minusSeconds(1));
            controlPlane.checkExpiry();
            assertThat(client.registry().get(0).instances().get(0).health()).isEqualTo("HEALTHY");

            clock.advance(Duration.ofSeconds(2));
            controlPlane.checkExpiry();

            assertThat(client.registry().get(0).instances().get(0).health()).isEqualTo("EXPIRED");
            await().atMost(WAIT).until(() -> endpoints(observer).isEmpty());
        }
    }

    @Test
    void aKilledSidecarsStreamEndsAndItsTtlRuns() throws Exception {
        AdsTestClient reviews = sidecar("reviews-a", 15006);
        await().atMost(WAIT).until(() -> proxy("reviews-a") != null);

        reviews.kill();

        await().atMost(WAIT).until(() -> proxy("reviews-a") == null);
        clock.advance(TTL.plusSeconds(1));
        controlPlane.checkExpiry();
        assertThat(client.registry().get(0).instances().get(0).health()).isEqualTo("EXPIRED");
    }

    @Test
    void anInvalidNodeIsRefusedWithTheFieldPath() throws Exception {
        AdsTestClient bad = new AdsTestClient(channel("default", "reviews"), Nodes.sidecar("bad", "reviews", 15006,
                0, 0, null, Map.of()));
        try (bad) {
            await().atMost(WAIT).until(() -> bad.error() != null);
            assertThat(bad.error()).hasMessageContaining("INVALID_ARGUMENT")
                    .hasMessageContaining("node.metadata.weft.app_port");
        }
    }

    @Test
    void anAuthenticatedSidecarIsMarkedForMtlsAndGetsTheRootCaWhichFollowsARotation() throws Exception {
        try (AdsTestClient observer = new AdsTestClient(channel("default", "caller"), Nodes.sidecar("caller",
                "caller", 0, 0, 15001, List.of(Map.of("service", "reviews")), Map.of()));
             AdsTestClient reviews = sidecar("reviews-a", 15006)) {
            // then: callers mark the sidecar's endpoint for mTLS, and its inbound listener takes TLS (PERMISSIVE)
            await().atMost(WAIT).untilAsserted(() -> {
                ClusterLoadAssignment assignment = observer.endpoints().get("outbound|reviews.default|9080");
                assertThat(endpoints(observer)).containsExactly("127.0.0.1:15006");
                assertThat(assignment.getEndpoints(0).getLbEndpoints(0).getMetadata()
                        .getFilterMetadataOrThrow("envoy.transport_socket_match").getFieldsOrThrow("tlsMode")
                        .getStringValue()).isEqualTo("weft");
                assertThat(reviews.listeners().get("inbound").getFilterChainsList()).hasSize(2);
            });
            reviews.subscribeSecrets(List.of("ROOTCA"));
            await().atMost(WAIT).until(() -> reviews.secrets().containsKey("ROOTCA"));
            assertThat(rootCaPem(reviews)).isEqualTo(controlPlane.certificateAuthority().bundle().toPem());
            await().atMost(WAIT).untilAsserted(() -> assertThat(proxy("reviews-a").types().get("SDS").status())
                    .isEqualTo("SYNCED"));
            assertThat(proxy("caller").types()).as("a proxy that asked for no secret").doesNotContainKey("SDS");

            // when: a new root joins the bundle
            controlPlane.certificateAuthority().rotateRootAdd();
            controlPlane.trustBundleChanged();

            // then: the ROOTCA secret holds both roots
            await().atMost(WAIT).untilAsserted(() -> assertThat(rootCaPem(reviews))
                    .isEqualTo(controlPlane.certificateAuthority().bundle().toPem()));
            assertThat(Pem.certificates(rootCaPem(reviews))).hasSize(2);

            // when: it becomes the issuer, the control plane's own certificate follows
            controlPlane.certificateAuthority().rotateRootActivate();
            controlPlane.trustBundleChanged();
            assertThat(controlPlane.identity().svid().certificate().getIssuerX500Principal())
                    .isEqualTo(controlPlane.certificateAuthority().issuerChain().get(0).getSubjectX500Principal());
        }
    }

    private static String rootCaPem(AdsTestClient ads) throws Exception {
        Secret rootCa = ads.secrets().get("ROOTCA");
        return rootCa.getValidationContext().getCustomValidatorConfig().getTypedConfig()
                .unpack(SPIFFECertValidatorConfig.class).getTrustDomains(0).getTrustBundle().getInlineString();
    }

    @Test
    void adsWithoutAClientCertificateIsUnauthenticated() {
        ManagedChannel anonymous = XdsTls.channel(controlPlane, clock, null);
        try (AdsTestClient ads = new AdsTestClient(anonymous, Nodes.sidecar("reviews-a", "reviews", 15006, 8080, 0,
                null, Map.of()))) {
            await().atMost(WAIT).until(() -> ads.error() != null);

            assertThat(Status.fromThrowable(ads.error()).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(ads.error()).hasMessageContaining("client certificate");
            assertThat(controlPlane.registry().snapshot().services().get(0).instances()).isEmpty();
        }
    }

    @Test
    void adsWithACertificateOfAnotherTrustDomainIsUnauthenticated() throws Exception {
        CertificateAuthority foreign = CertificateAuthority.builder(dataDir.resolve("foreign"), "example.org")
                .clock(clock).open();
        XdsTls.Workload stranger = XdsTls.workload(foreign, new SpiffeId("example.org", "default", "reviews"));
        try (AdsTestClient ads = new AdsTestClient(XdsTls.channel(controlPlane, clock, stranger),
                Nodes.sidecar("reviews-a", "reviews", 15006, 8080, 0, null, Map.of()))) {
            await().atMost(WAIT).until(() -> ads.error() != null);

            assertThat(Status.fromThrowable(ads.error()).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(ads.error()).hasMessageContaining("is not in trust domain cluster.local");
            assertThat(controlPlane.registry().snapshot().services().get(0).instances()).isEmpty();
        }
    }

    @Test
    void adsWithACertificateOfAnUntrustedCaIsUnauthenticated() throws Exception {
        CertificateAuthority rogue = CertificateAuthority.builder(dataDir.resolve("rogue"), "cluster.local")
                .clock(clock).open();
        XdsTls.Workload impostor = XdsTls.workload(rogue, new SpiffeId("cluster.local", "default", "reviews"));
        try (AdsTestClient ads = new AdsTestClient(XdsTls.channel(controlPlane, clock, impostor),
                Nodes.sidecar("reviews-a", "reviews", 15006, 8080, 0, null, Map.of()))) {
            await().atMost(WAIT).until(() -> ads.error() != null);

            assertThat(Status.fromThrowable(ads.error()).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(ads.error()).hasMessageContaining("does not verify against the trust bundle");
        }
    }

    @Test
    void aNodeOfAnotherNamespaceThanItsCertificateIsPermissionDenied() throws Exception {
        try (AdsTestClient ads = new AdsTestClient(channel("billing", "reviews"), Nodes.sidecar("reviews-a",
                "reviews", 15006, 8080, 0, null, Map.of()))) {
            await().atMost(WAIT).until(() -> ads.error() != null);

            assertThat(Status.fromThrowable(ads.error()).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(ads.error()).hasMessageContaining("node.metadata.weft.namespace is \"default\"")
                    .hasMessageContaining("spiffe://cluster.local/ns/billing/sa/reviews");
            assertThat(controlPlane.registry().snapshot().services().get(0).instances()).isEmpty();
        }
    }

    @Test
    void aSidecarWhoseCertificateIsNotOneOfItsServicesAccountsIsPermissionDenied() throws Exception {
        // reviews declares no serviceAccounts: it runs as account "reviews" only
        try (AdsTestClient ads = new AdsTestClient(channel("default", "ratings"), Nodes.sidecar("reviews-a",
                "reviews", 15006, 8080, 0, null, Map.of()))) {
            await().atMost(WAIT).until(() -> ads.error() != null);

            assertThat(Status.fromThrowable(ads.error()).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(ads.error()).hasMessageContaining("service reviews.default runs as account(s) [reviews]")
                    .hasMessageContaining("spiffe://cluster.local/ns/default/sa/ratings");
        }
    }

    @Test
    void aServiceMayRunAsTheAccountsItDeclares() throws Exception {
        client.apply(Yaml.resources("""
                apiVersion: weft.dev/v1alpha1
                kind: Service
                metadata: {name: reviews}
                spec: {ports: [{port: 9080}], serviceAccounts: [reviews-v1, reviews-v2]}
                """), false);

        try (AdsTestClient ads = new AdsTestClient(channel("default", "reviews-v2"), Nodes.sidecar("reviews-a",
                "reviews", 15006, 8080, 0, null, Map.of()))) {
            await().atMost(WAIT).until(() -> proxy("reviews-a") != null);
            assertThat(ads.error()).isNull();
        }
        try (AdsTestClient ads = new AdsTestClient(channel("default", "reviews"), Nodes.sidecar("reviews-b",
                "reviews", 15007, 8080, 0, null, Map.of()))) {
            await().atMost(WAIT).until(() -> ads.error() != null);
            assertThat(ads.error()).hasMessageContaining("runs as account(s) [reviews-v1, reviews-v2]");
        }
    }
}
