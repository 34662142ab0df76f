package dev.weft.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.proxy.it.MeshBootstraps;
import dev.weft.proxy.it.MeshBootstraps.Mode;
import dev.weft.proxy.tls.MeshPki;
import dev.weft.proxy.tls.Secrets;
import dev.weft.proxy.xds.XdsFixtures;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mTLS shapes of the issue 4 contract as configuration: what builds, what warms, and what is refused where. */
class MtlsConfigTest {
    @TempDir
    static Path dir;
    static MeshPki pki;

    @BeforeAll
    static void pki() throws Exception {
        pki = MeshPki.open(dir.resolve("ca"), MeshPki.TRUST_DOMAIN);
    }

    @Test
    void aPermissiveListenerHasAChainPerTransportAndWaitsForTheSecretsItNames() throws Exception {
        ProxySnapshot snapshot = BootstrapLoader.build(MeshBootstraps.bootstrap(List.of(MeshBootstraps.inbound(Mode.PERMISSIVE)),
                List.of(MeshBootstraps.plainCluster("app", 9)), List.of(pki.rootCa())));

        ListenerSpec inbound = snapshot.listeners().get(0);
        assertThat(inbound.tlsInspector()).isTrue();
        assertThat(inbound.chains()).extracting(FilterChainSpec::name).containsExactly("inbound-mtls", "inbound-plaintext");
        assertThat(inbound.chainFor(true)).isZero();
        assertThat(inbound.chainFor(false)).isOne();
        assertThat(inbound.chains().get(0).tls()).isNotNull();
        assertThat(inbound.chains().get(1).tls()).isNull();
        assertThat(snapshot.requiredSecrets()).containsExactly(Secrets.ROOTCA, Secrets.DEFAULT);
        assertThat(snapshot.missingSecrets()).as("ROOTCA is static, default comes from the identity agent")
                .containsExactly(Secrets.DEFAULT);

        snapshot.secrets().provideLocally(Secrets.DEFAULT, pki.svid("default", "reviews").secret(Secrets.DEFAULT));
        assertThat(snapshot.missingSecrets()).isEmpty();
    }

    @Test
    void aTlsVersionBelow12IsAConfigErrorNamingTheField() {
        Listener l = withTls(MeshBootstraps.inbound(Mode.STRICT), TlsParameters.newBuilder()
                .setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_1).build());

        assertThatThrownBy(() -> BootstrapLoader.build(bootstrap(l)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context"
                        + ".tls_params.tls_minimum_protocol_version: TLSv1_1 is refused: Weft negotiates TLS 1.2 and TLS 1.3 "
                        + "only (use TLSv1_2, TLSv1_3 or TLS_AUTO)");
    }

    @Test
    void aMinimumAboveTheMaximumIsRefused() {
        Listener l = withTls(MeshBootstraps.inbound(Mode.STRICT), TlsParameters.newBuilder()
                .setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_3)
                .setTlsMaximumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_2).build());

        assertThatThrownBy(() -> BootstrapLoader.build(bootstrap(l)))
                .hasMessageEndingWith(".tls_params.tls_minimum_protocol_version: TLSv1_3 is above tls_maximum_protocol_version TLSv1_2");
    }

    @Test
    void aTlsChainNeedsTheTlsInspector() {
        Listener strict = MeshBootstraps.inbound(Mode.STRICT);
        Listener l = strict.toBuilder().setFilterChains(0, strict.getFilterChains(0).toBuilder()
                .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls"))).build();

        assertThatThrownBy(() -> BootstrapLoader.build(bootstrap(l)))
                .hasMessage("static_resources.listeners[0].filter_chains[0].filter_chain_match.transport_protocol: \"tls\" "
                        + "needs the envoy.filters.listener.tls_inspector listener filter, which tells TLS connections from "
                        + "plaintext ones");
    }

    @Test
    void aPlaintextChainCannotTerminateTls() {
        Listener permissive = MeshBootstraps.inbound(Mode.PERMISSIVE);
        Listener l = permissive.toBuilder().setFilterChains(1, permissive.getFilterChains(1).toBuilder()
                .setTransportSocket(MeshBootstraps.inboundTls())).build();

        assertThatThrownBy(() -> BootstrapLoader.build(bootstrap(l)))
                .hasMessage("static_resources.listeners[0].filter_chains[1].transport_socket: a chain matching "
                        + "transport_protocol \"raw_buffer\" serves plaintext; it cannot have a envoy.transport_sockets.tls "
                        + "transport_socket");
    }

    @Test
    void aSecretOfTheWrongKindIsRefused() {
        // ROOTCA named where the certificate goes
        Listener strict = MeshBootstraps.inbound(Mode.STRICT);
        Listener l = withCommon(strict, c -> c.setTlsCertificateSdsSecretConfigs(0, MeshBootstraps.sds(Secrets.ROOTCA)));

        assertThatThrownBy(() -> BootstrapLoader.build(bootstrap(l)))
                .hasMessage("static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context"
                        + ".tls_certificate_sds_secret_configs[0].name: secret \"ROOTCA\" is a validation_context, not a "
                        + "tls_certificate");
    }

    @Test
    void endpointsPickTheirTransportByTheirMetadata() throws Exception {
        Cluster c = MeshBootstraps.meshCluster("svc", "reviews.default", List.of(pki.id("default", "reviews")))
                .setLoadAssignment(MeshBootstraps.assignment("svc", MeshBootstraps.endpoint(1001, true),
                        MeshBootstraps.endpoint(1002, false)))
                .build();
        ProxySnapshot snapshot = BootstrapLoader.build(MeshBootstraps.bootstrap(List.of(MeshBootstraps.outbound()),
                List.of(c), List.of(pki.rootCa())));

        ClusterSpec svc = snapshot.clusters().get("svc");
        assertThat(svc.transportSocketMatches()).extracting(ClusterSpec.TransportSocketMatch::name)
                .containsExactly("tlsMode-weft", "tlsMode-disabled");
        assertThat(svc.transportIndex(svc.endpoints().get(0))).isZero();
        assertThat(svc.transport(0).isTls()).isTrue();
        assertThat(svc.transport(0).sni()).isEqualTo("reviews.default");
        assertThat(svc.transportIndex(svc.endpoints().get(1))).isOne();
        assertThat(svc.transport(1).isTls()).isFalse();
        assertThat(svc.tls()).as("no cluster-level transport_socket").isNull();
    }

    @Test
    void endpointMetadataOtherThanTheTransportSocketMatchIsRefused() {
        Cluster c = MeshBootstraps.plainCluster("app", 9);
        Cluster bad = c.toBuilder().setLoadAssignment(c.getLoadAssignment().toBuilder().setEndpoints(0,
                c.getLoadAssignment().getEndpoints(0).toBuilder().setLbEndpoints(0, c.getLoadAssignment().getEndpoints(0)
                        .getLbEndpoints(0).toBuilder().setMetadata(Metadata.newBuilder().putFilterMetadata("envoy.lb",
                                Struct.newBuilder().putFields("canary", Value.newBuilder().setBoolValue(true).build()).build()))))).build();

        assertThatThrownBy(() -> BootstrapLoader.build(MeshBootstraps.bootstrap(List.of(MeshBootstraps.outbound()),
                List.of(bad, MeshBootstraps.plainCluster("svc", 9)), List.of())))
                .hasMessage("static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].metadata"
                        + ".filter_metadata[\"envoy.lb\"]: is not supported by Weft (supported: envoy.transport_socket_match, weft)");
    }

    @Test
    void overXdsACandidateWarmsUntilTheSecretsItNamesArrive() throws Exception {
        ProxySnapshot bootstrap = BootstrapLoader.build(XdsFixtures.bootstrap(18000));
        bootstrap.secrets().provideLocally(Secrets.DEFAULT, pki.svid("default", "reviews").secret(Secrets.DEFAULT));
        Listener inbound = MeshBootstraps.inbound(Mode.STRICT);
        Cluster app = MeshBootstraps.plainCluster("app", 9);

        XdsSnapshots.Candidate without = XdsSnapshots.build(bootstrap, new XdsResources(Map.of("inbound", inbound),
                Map.of(), Map.of("app", app), Map.of()), "v1");
        XdsSnapshots.Candidate with = XdsSnapshots.build(bootstrap, new XdsResources(Map.of("inbound", inbound),
                Map.of(), Map.of("app", app), Map.of(), Map.of(Secrets.ROOTCA, pki.rootCa())), "v2");

        assertThat(without.missingSecrets()).containsExactly(Secrets.ROOTCA);
        assertThat(without.complete()).isFalse();
        assertThat(with.missingSecrets()).isEmpty();
        assertThat(with.complete()).isTrue();
    }

    @Test
    void anSdsSecretIsCheckedAgainstTheSupportedSubset() {
        assertThatThrownBy(() -> XdsSnapshots.compileSecrets(Map.of("ROOTCA", pki.rootCa().toBuilder()
                .setValidationContext(pki.rootCa().getValidationContext().toBuilder().setOnlyVerifyLeafCertCrl(true)).build())))
                .hasMessage("Secret[ROOTCA].validation_context.only_verify_leaf_cert_crl: is not supported by Weft "
                        + "(see docs/envoy-compat.md)");
    }

    private static Bootstrap bootstrap(Listener l) {
        return MeshBootstraps.bootstrap(List.of(l), List.of(MeshBootstraps.plainCluster("app", 9)), List.of(pki.rootCa()));
    }

    private static Listener withTls(Listener l, TlsParameters params) {
        return withCommon(l, c -> c.setTlsParams(params));
    }

    private static Listener withCommon(Listener l, java.util.function.UnaryOperator<CommonTlsContext.Builder> edit) {
        TransportSocket ts = l.getFilterChains(0).getTransportSocket();
        try {
            DownstreamTlsContext ctx = ts.getTypedConfig().unpack(DownstreamTlsContext.class);
            DownstreamTlsContext edited = ctx.toBuilder().setCommonTlsContext(edit.apply(ctx.getCommonTlsContext().toBuilder())).build();
            return l.toBuilder().setFilterChains(0, l.getFilterChains(0).toBuilder()
                    .setTransportSocket(ts.toBuilder().setTypedConfig(Any.pack(edited)))).build();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
