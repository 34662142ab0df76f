package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.api.Resource;
import dev.weft.api.policy.MeshConfigSpec;
import dev.weft.api.policy.MtlsMode;
import dev.weft.api.registry.ServiceSpec;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.store.StoreSnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mTLS part of the translation, as the issue 4 contract has it: the {@value #ROOTCA} secret (the trust bundle
 * under the SPIFFE certificate validator), the inbound listener's filter chains for the service's effective mode
 * (its Service's {@code mtls.mode}, else the MeshConfig's), the outbound clusters' transport_socket_matches (mTLS to
 * endpoints marked {@code tlsMode: weft}, checking the callee's service accounts), and that endpoint mark.
 *
 * <p>Only a node whose xDS stream was authenticated (it has an identity, hence a certificate) gets mTLS: one without
 * gets the DISABLE inbound shape, plaintext clusters and no {@value #ROOTCA}. Immutable after construction except
 * for the lazily built secret; one instance serves one translation (one thread).
 */
final class MtlsResources {

    /** The trust bundle secret the control plane sends over SDS. */
    static final String ROOTCA = "ROOTCA";
    /** The workload certificate secret, which the proxy's identity agent provides locally. */
    static final String DEFAULT_CERTIFICATE = "default";
    /** The endpoint metadata namespace whose fields pick a cluster's transport_socket_matches entry. */
    static final String TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";
    static final String TLS_MODE = "tlsMode";
    static final String TLS_MODE_WEFT = "weft";
    static final String TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";
    static final String RAW_BUFFER = "envoy.transport_sockets.raw_buffer";
    static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
    static final String SPIFFE_VALIDATOR = "envoy.tls.cert_validator.spiffe";
    static final String INBOUND_MTLS_CHAIN = "inbound-mtls";
    static final String INBOUND_PLAINTEXT_CHAIN = "inbound-plaintext";

    private static final TlsParameters TLS_PARAMETERS = TlsParameters.newBuilder()
            .setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_2)
            .setTlsMaximumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_3)
            .build();
    private static final Metadata MTLS_ENDPOINT = Metadata.newBuilder()
            .putFilterMetadata(TRANSPORT_SOCKET_MATCH, Struct.newBuilder()
                    .putFields(TLS_MODE, Value.newBuilder().setStringValue(TLS_MODE_WEFT).build()).build())
            .build();

    private final String trustDomain;
    private final MtlsMode meshMode;
    private final Map<String, ServiceSpec> services = new HashMap<>();
    private final TrustBundle bundle;
    private Secret rootCa;

    /**
     * @param bundle the trust bundle the {@value #ROOTCA} secret carries; null when no node of this translation has
     *               an identity (a translation for tools, without a CA)
     */
    MtlsResources(StoreSnapshot store, TrustBundle bundle) {
        MeshConfigSpec mesh = store.ofType(MeshConfigSpec.class).stream().findFirst().map(Resource::spec)
                .orElse(MeshConfigSpec.DEFAULT);
        this.trustDomain = mesh.trustDomain();
        this.meshMode = mesh.mtlsMode();
        for (Resource<ServiceSpec> service : store.ofType(ServiceSpec.class)) {
            services.put(key(service.metadata().namespace(), service.metadata().name()), service.spec());
        }
        this.bundle = bundle;
    }

    /** The effective mode of a service: its Service's override, else the MeshConfig's. */
    MtlsMode mode(String namespace, String service) {
        ServiceSpec spec = services.get(key(namespace, service));
        return spec != null && spec.mtlsMode() != null ? spec.mtlsMode() : meshMode;
    }

    /** The SPIFFE IDs a caller accepts from a service's endpoints: its service accounts, or its name. */
    List<String> identities(String namespace, String service) {
        ServiceSpec spec = services.get(key(namespace, service));
        List<String> accounts = spec != null ? spec.accountsOr(service) : List.of(service);
        return accounts.stream().map(a -> new SpiffeId(trustDomain, namespace, a).toString()).toList();
    }

    /** The shape of a sidecar node's inbound listener: its service's mode, DISABLE without identity. */
    MtlsMode inboundMode(NodeInfo node) {
        return node.identity() == null ? MtlsMode.DISABLE : mode(node.namespace(), node.service());
    }

    /** The secrets the control plane sends a node: {@value #ROOTCA} to a node with an identity. */
    List<Secret> secrets(NodeInfo node) {
        if (node.identity() == null) {
            return List.of();
        }
        if (rootCa == null) {
            if (bundle == null) {
                throw new IllegalStateException("node " + node.id() + " has an identity but the translation has no "
                        + "trust bundle");
            }
            rootCa = rootCa(trustDomain, bundle);
        }
        return List.of(rootCa);
    }

    /**
     * The inbound listener for {@code mode}, from the plaintext one (one filter chain): DISABLE keeps it; STRICT
     * puts its filters behind TLS with a required client certificate; PERMISSIVE has the TLS inspector tell a TLS
     * client hello from plaintext and serves each on its own chain with the same filters.
     */
    Listener inbound(Listener plaintext, MtlsMode mode) {
        if (mode == MtlsMode.DISABLE) {
            return plaintext;
        }
        if (plaintext.getFilterChainsCount() != 1) {
            throw new IllegalArgumentException("listener " + plaintext.getName() + " has "
                    + plaintext.getFilterChainsCount() + " filter chains; the inbound listener has one");
        }
        FilterChain chain = plaintext.getFilterChains(0);
        FilterChain.Builder mtls = chain.toBuilder().setName(INBOUND_MTLS_CHAIN)
                .setTransportSocket(inboundTls());
        Listener.Builder listener = plaintext.toBuilder().clearFilterChains();
        if (mode == MtlsMode.STRICT) {
            return listener.addFilterChains(mtls).build();
        }
        return listener
                .addListenerFilters(ListenerFilter.newBuilder().setName(TLS_INSPECTOR)
                        .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())))
                .addFilterChains(mtls.setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls")))
                .addFilterChains(chain.toBuilder().setName(INBOUND_PLAINTEXT_CHAIN)
                        .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer")))
                .build();
    }

    /**
     * Whether a node's cluster of {@code ref} gets transport_socket_matches: the node has an identity and the
     * callee's mode is not DISABLE.
     */
    boolean upstreamMtls(NodeInfo node, ClusterRef ref) {
        return node.identity() != null && mode(ref.namespace(), ref.service()) != MtlsMode.DISABLE;
    }

    /**
     * The cluster with mTLS to the endpoints marked {@code tlsMode: weft} (checking that the server is one of the
     * service's accounts) and plaintext to the others.
     */
    Cluster withTransportSocketMatches(Cluster cluster, ClusterRef ref) {
        CertificateValidationContext.Builder sans = CertificateValidationContext.newBuilder();
        for (String identity : identities(ref.namespace(), ref.service())) {
            sans.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                    .setSanType(SubjectAltNameMatcher.SanType.URI)
                    .setMatcher(StringMatcher.newBuilder().setExact(identity)));
        }
        UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
                .setSni(ref.service() + "." + ref.namespace())
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .setTlsParams(TLS_PARAMETERS)
                        .addTlsCertificateSdsSecretConfigs(sds(DEFAULT_CERTIFICATE))
                        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext
                                .newBuilder()
                                .setDefaultValidationContext(sans)
                                .setValidationContextSdsSecretConfig(sds(ROOTCA))))
                .build();
        return cluster.toBuilder()
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                        .setName("tlsMode-weft")
                        .setMatch(Struct.newBuilder().putFields(TLS_MODE,
                                Value.newBuilder().setStringValue(TLS_MODE_WEFT).build()))
                        .setTransportSocket(TransportSocket.newBuilder().setName(TLS_TRANSPORT_SOCKET)
                                .setTypedConfig(Any.pack(tls))))
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                        .setName("tlsMode-disabled")
                        .setMatch(Struct.getDefaultInstance())
                        .setTransportSocket(TransportSocket.newBuilder().setName(RAW_BUFFER)
                                .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))))
                .build();
    }

    /** The metadata of an endpoint whose inbound listener speaks mTLS (registered by an authenticated sidecar). */
    static Metadata mtlsEndpoint() {
        return MTLS_ENDPOINT;
    }

    /** {@value #ROOTCA}: every root of the bundle, for the trust domain, under the SPIFFE certificate validator. */
    static Secret rootCa(String trustDomain, TrustBundle bundle) {
        SPIFFECertValidatorConfig validator = SPIFFECertValidatorConfig.newBuilder()
                .addTrustDomains(SPIFFECertValidatorConfig.TrustDomain.newBuilder()
                        .setName(trustDomain)
                        .setTrustBundle(DataSource.newBuilder().setInlineString(bundle.toPem())))
                .build();
        return Secret.newBuilder()
                .setName(ROOTCA)
                .setValidationContext(CertificateValidationContext.newBuilder()
                        .setCustomValidatorConfig(TypedExtensionConfig.newBuilder()
                                .setName(SPIFFE_VALIDATOR)
                                .setTypedConfig(Any.pack(validator))))
                .build();
    }

    private static TransportSocket inboundTls() {
        DownstreamTlsContext tls = DownstreamTlsContext.newBuilder()
                .setRequireClientCertificate(com.google.protobuf.BoolValue.of(true))
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .setTlsParams(TLS_PARAMETERS)
                        .addAlpnProtocols("h2")
                        .addAlpnProtocols("http/1.1")
                        .addTlsCertificateSdsSecretConfigs(sds(DEFAULT_CERTIFICATE))
                        .setValidationContextSdsSecretConfig(sds(ROOTCA)))
                .build();
        return TransportSocket.newBuilder().setName(TLS_TRANSPORT_SOCKET).setTypedConfig(Any.pack(tls)).build();
    }

    private static SdsSecretConfig sds(String name) {
        return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(XdsResources.ads()).build();
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
