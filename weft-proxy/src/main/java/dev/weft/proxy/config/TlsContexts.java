package dev.weft.proxy.config;

import com.google.protobuf.Message;
import dev.weft.proxy.tls.CertificateSecret;
import dev.weft.proxy.tls.ContextCache;
import dev.weft.proxy.tls.SanMatcher;
import dev.weft.proxy.tls.SecretStore;
import dev.weft.proxy.tls.Secrets;
import dev.weft.proxy.tls.TlsContextFactory;
import dev.weft.proxy.tls.TlsSettings;
import dev.weft.proxy.tls.ValidationSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters.TlsProtocol;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLException;

/**
 * Builds TLS contexts from Envoy's Downstream/UpstreamTlsContext: certificates inline (PEM DataSources) or by SDS
 * name ({@code tls_certificate_sds_secret_configs}), peer validation inline ({@code validation_context}: trusted_ca
 * or the SPIFFE validator) or by SDS name ({@code validation_context_sds_secret_config},
 * {@code combined_validation_context} with SAN matchers in its default context), {@code tls_params} (TLS 1.2 and
 * 1.3 only) and ALPN. SDS names are resolved at each handshake ({@link SecretStore}); the build records which
 * names are used and which are still missing. Errors name the field path and the file.
 */
final class TlsContexts {
    private static final String TLS12 = "TLSv1.2";
    private static final String TLS13 = "TLSv1.3";

    private TlsContexts() {}

    /**
     * What a build resolves SDS names against: the proxy's store (local and static secrets, and what SDS
     * delivered before) and the SDS resources of the candidate being built; and what it found.
     */
    static final class SecretRefs {
        final SecretStore store;
        private final Map<String, Secret> xds;
        final SslProvider provider;
        /** Every secret name a listener or cluster uses. */
        final Set<String> referenced = new TreeSet<>();
        /** Names used but available from no source yet: the snapshot warms until they arrive. */
        final Set<String> missing = new TreeSet<>();

        SecretRefs(SecretStore store, Map<String, Secret> xds, SslProvider provider) {
            this.store = store;
            this.xds = xds;
            this.provider = provider;
        }

        /** Records a use of {@code name}; when it is available, it must be a certificate or a validation context. */
        void require(String name, boolean certificate, String path) throws ConfigException {
            referenced.add(name);
            Boolean isCertificate = null;
            if (store.isStaticOrLocal(name)) {
                isCertificate = store.get(name) instanceof CertificateSecret;
            } else if (xds.containsKey(name)) {
                isCertificate = xds.get(name).hasTlsCertificate();
            }
            if (isCertificate == null) {
                missing.add(name);
            } else if (isCertificate != certificate) {
                throw new ConfigException(path, "secret \"" + name + "\" is a " + (isCertificate ? "tls_certificate"
                        : "validation_context") + ", not a " + (certificate ? "tls_certificate" : "validation_context"));
            }
        }
    }

    /** Cache key of a context that holds no inline material (SDS only): its config decides it entirely. */
    private record CacheKey(boolean server, Message config, List<String> alpn, SslProvider provider) {}

    /**
     * A server context for a listener's filter chain.
     *
     * @param path        path of the DownstreamTlsContext
     * @param defaultAlpn protocols accepted when common_tls_context.alpn_protocols is empty
     */
    static SslContext server(DownstreamTlsContext tls, List<String> defaultAlpn, String path, SecretRefs refs)
            throws ConfigException {
        CommonTlsContext common = tls.getCommonTlsContext();
        String commonPath = path + ".common_tls_context";
        boolean require = tls.hasRequireClientCertificate() && tls.getRequireClientCertificate().getValue();
        TlsSettings settings = settings(common, defaultAlpn, commonPath, require, refs);
        if (!settings.hasCertificate()) {
            throw new ConfigException(commonPath + ".tls_certificates", "exactly one certificate is required, got 0 "
                    + "(or name one in tls_certificate_sds_secret_configs)");
        }
        if (require && !settings.verifiesPeer()) {
            throw new ConfigException(path + ".require_client_certificate",
                    "needs common_tls_context.validation_context.trusted_ca (or a validation context secret) "
                            + "to verify client certificates");
        }
        ContextCache.Builder build = () -> {
            try {
                return TlsContextFactory.server(settings, refs.store, refs.provider);
            } catch (SSLException | RuntimeException e) {
                throw new ConfigException(path, "cannot build the TLS context: " + e.getMessage(), e);
            }
        };
        return settings.certificate() == null && settings.validation() == null
                ? refs.store.contexts().get(new CacheKey(true, tls, settings.alpn(), refs.provider), build)
                : build.build();
    }

    /**
     * A client context for a cluster (or one of its transport_socket_matches). Without a validation context the
     * server certificate is not verified, as Envoy does; the host name is never checked against it, since Envoy
     * checks subject alt names only when match_typed_subject_alt_names asks to.
     *
     * @param path        path of the UpstreamTlsContext
     * @param defaultAlpn protocols offered when common_tls_context.alpn_protocols is empty
     */
    static UpstreamTransport client(UpstreamTlsContext tls, List<String> defaultAlpn, String path, SecretRefs refs)
            throws ConfigException {
        CommonTlsContext common = tls.getCommonTlsContext();
        TlsSettings settings = settings(common, defaultAlpn, path + ".common_tls_context", false, refs);
        ContextCache.Builder build = () -> {
            try {
                return TlsContextFactory.client(settings, refs.store, refs.provider);
            } catch (SSLException | RuntimeException e) {
                throw new ConfigException(path, "cannot build the TLS context: " + e.getMessage(), e);
            }
        };
        SslContext context = settings.certificate() == null && settings.validation() == null
                ? refs.store.contexts().get(new CacheKey(false, tls, settings.alpn(), refs.provider), build)
                : build.build();
        return new UpstreamTransport(context, tls.getSni().isEmpty() ? null : tls.getSni());
    }

    private static TlsSettings settings(CommonTlsContext common, List<String> defaultAlpn, String path,
            boolean requireClientCertificate, SecretRefs refs) throws ConfigException {
        // the certificate: inline or by SDS name, at most one
        CertificateSecret certificate = null;
        String certificateSecret = null;
        if (common.getTlsCertificatesCount() > 1) {
            throw new ConfigException(path + ".tls_certificates",
                    "at most one certificate is supported, got " + common.getTlsCertificatesCount());
        }
        if (common.getTlsCertificateSdsSecretConfigsCount() > 1) {
            throw new ConfigException(path + ".tls_certificate_sds_secret_configs",
                    "at most one certificate secret is supported, got " + common.getTlsCertificateSdsSecretConfigsCount());
        }
        if (common.getTlsCertificatesCount() == 1 && common.getTlsCertificateSdsSecretConfigsCount() == 1) {
            throw new ConfigException(path + ".tls_certificate_sds_secret_configs", "cannot be combined with tls_certificates");
        }
        if (common.getTlsCertificatesCount() == 1) {
            certificate = Secrets.certificate("tls_certificates[0]", common.getTlsCertificates(0), path + ".tls_certificates[0]");
        } else if (common.getTlsCertificateSdsSecretConfigsCount() == 1) {
            String p = path + ".tls_certificate_sds_secret_configs[0]";
            certificateSecret = sdsName(common.getTlsCertificateSdsSecretConfigs(0), p);
            refs.require(certificateSecret, true, p + ".name");
        }

        // the peer validation: inline, by SDS name, or both combined (SAN matchers inline, roots by SDS)
        ValidationSecret validation = null;
        String validationSecret = null;
        List<SanMatcher> sans = new ArrayList<>();
        int kinds = (common.hasValidationContext() ? 1 : 0) + (common.hasValidationContextSdsSecretConfig() ? 1 : 0)
                + (common.hasCombinedValidationContext() ? 1 : 0);
        if (kinds > 1) {
            throw new ConfigException(path, "only one of validation_context, validation_context_sds_secret_config, "
                    + "combined_validation_context may be set");
        }
        if (common.hasValidationContext() && !common.getValidationContext().getAllFields().isEmpty()) {
            CertificateValidationContext v = common.getValidationContext();
            String p = path + ".validation_context";
            validation = Secrets.validation("validation_context", v, p);
            sans.addAll(sanMatchers(v, p));
        } else if (common.hasValidationContextSdsSecretConfig()) {
            String p = path + ".validation_context_sds_secret_config";
            validationSecret = sdsName(common.getValidationContextSdsSecretConfig(), p);
            refs.require(validationSecret, false, p + ".name");
        } else if (common.hasCombinedValidationContext()) {
            var combined = common.getCombinedValidationContext();
            String p = path + ".combined_validation_context";
            if (!combined.hasValidationContextSdsSecretConfig()) {
                throw new ConfigException(p + ".validation_context_sds_secret_config", "is required");
            }
            CertificateValidationContext d = combined.getDefaultValidationContext();
            String dp = p + ".default_validation_context";
            if (d.hasTrustedCa() || d.hasCustomValidatorConfig()) {
                throw new ConfigException(dp + (d.hasTrustedCa() ? ".trusted_ca" : ".custom_validator_config"),
                        "is not supported by Weft here: the roots come from the secret named by "
                                + "validation_context_sds_secret_config");
            }
            sans.addAll(sanMatchers(d, dp));
            String sp = p + ".validation_context_sds_secret_config";
            validationSecret = sdsName(combined.getValidationContextSdsSecretConfig(), sp);
            refs.require(validationSecret, false, sp + ".name");
        }
        List<String> alpn = common.getAlpnProtocolsCount() > 0 ? common.getAlpnProtocolsList() : defaultAlpn;
        return new TlsSettings(certificateSecret, certificate, validationSecret, validation, sans,
                protocols(common.getTlsParams(), path + ".tls_params"), alpn, requireClientCertificate);
    }

    private static List<SanMatcher> sanMatchers(CertificateValidationContext v, String path) throws ConfigException {
        List<SanMatcher> out = new ArrayList<>();
        for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
            out.add(SanMatcher.compile(v.getMatchTypedSubjectAltNames(i), path + ".match_typed_subject_alt_names[" + i + "]"));
        }
        return out;
    }

    /** The name of an SdsSecretConfig whose sds_config is absent (a static or local secret) or {@code ads: {}}. */
    private static String sdsName(SdsSecretConfig sds, String path) throws ConfigException {
        if (sds.getName().isEmpty()) {
            throw new ConfigException(path + ".name", "is required");
        }
        if (sds.hasSdsConfig()) {
            SnapshotBuilder.requireAds(true, sds.getSdsConfig(), path + ".sds_config");
        }
        return sds.getName();
    }

    /**
     * The TLS versions to enable, newest first: from tls_params, TLS 1.2 to 1.3 by default. Versions below 1.2
     * are refused as a config error rather than silently raised.
     */
    static List<String> protocols(TlsParameters params, String path) throws ConfigException {
        int min = version(params.getTlsMinimumProtocolVersion(), 2, path + ".tls_minimum_protocol_version");
        int max = version(params.getTlsMaximumProtocolVersion(), 3, path + ".tls_maximum_protocol_version");
        if (min > max) {
            throw new ConfigException(path + ".tls_minimum_protocol_version", params.getTlsMinimumProtocolVersion()
                    + " is above tls_maximum_protocol_version " + params.getTlsMaximumProtocolVersion());
        }
        List<String> out = new ArrayList<>(2);
        if (max >= 3) {
            out.add(TLS13);
        }
        if (min <= 2) {
            out.add(TLS12);
        }
        return out;
    }

    /** The minor version of TLS 1.x, {@code auto} for TLS_AUTO. */
    private static int version(TlsProtocol p, int auto, String path) throws ConfigException {
        return switch (p) {
            case TLS_AUTO -> auto;
            case TLSv1_2 -> 2;
            case TLSv1_3 -> 3;
            case TLSv1_0, TLSv1_1 -> throw new ConfigException(path, p + " is refused: Weft negotiates TLS 1.2 and "
                    + "TLS 1.3 only (use TLSv1_2, TLSv1_3 or TLS_AUTO)");
            default -> throw new ConfigException(path, "value " + p.getNumber() + " is not supported "
                    + "(expected: TLS_AUTO, TLSv1_2 or TLSv1_3)");
        };
    }
}
