package dev.weft.proxy.tls;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.ca.Pem;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.TrustBundle;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Envoy {@code Secret}s (SDS) to {@link TlsSecret}s and back: compiles a secret once, when it arrives, so a
 * handshake only reads the result; and makes the two shapes Weft uses, the workload certificate
 * ({@code default}) and the SPIFFE trust bundle ({@code ROOTCA}). Errors name the field path.
 */
public final class Secrets {
    /** The secret holding the workload's own certificate; never sent by the control plane. */
    public static final String DEFAULT = "default";
    /** The secret holding the trust bundle, sent by the control plane. */
    public static final String ROOTCA = "ROOTCA";
    /** Name of Envoy's SPIFFE certificate validator extension (custom_validator_config). */
    public static final String SPIFFE_VALIDATOR = "envoy.tls.cert_validator.spiffe";

    private Secrets() {}

    /**
     * Compiles an SDS secret: a tls_certificate (chain and matching key) or a validation_context (trusted_ca, or
     * the SPIFFE validator with a bundle per trust domain).
     *
     * @param path where the secret is, e.g. {@code Secret[ROOTCA]}
     */
    public static TlsSecret compile(Secret secret, String path) throws ConfigException {
        if (secret.getName().isEmpty()) {
            throw new ConfigException(path + ".name", "is required");
        }
        return switch (secret.getTypeCase()) {
            case TLS_CERTIFICATE -> certificate(secret.getName(), secret.getTlsCertificate(), path + ".tls_certificate");
            case VALIDATION_CONTEXT -> {
                CertificateValidationContext v = secret.getValidationContext();
                String vPath = path + ".validation_context";
                if (v.getMatchTypedSubjectAltNamesCount() > 0) {
                    throw new ConfigException(vPath + ".match_typed_subject_alt_names", "is not supported in a secret by Weft: "
                            + "set it where the secret is used (combined_validation_context.default_validation_context)");
                }
                yield validation(secret.getName(), v, vPath);
            }
            default -> throw new ConfigException(path, "one of tls_certificate, validation_context is required");
        };
    }

    /** Compiles a tls_certificate (an inline one of a TLS context, or a secret's); {@code path} names it. */
    public static CertificateSecret certificate(String name, TlsCertificate cert, String path) throws ConfigException {
        if (!cert.hasCertificateChain()) {
            throw new ConfigException(path + ".certificate_chain", "is required");
        }
        if (!cert.hasPrivateKey()) {
            throw new ConfigException(path + ".private_key", "is required");
        }
        X509Certificate[] chain = DataSources.certificates(cert.getCertificateChain(), path + ".certificate_chain");
        PrivateKey key = DataSources.privateKey(cert.getPrivateKey(), path + ".private_key");
        if (!DataSources.matches(key, chain[0])) {
            throw new ConfigException(path + ".private_key", "does not match the first certificate of "
                    + DataSources.describe(cert.getCertificateChain()));
        }
        return CertificateSecret.of(name, List.of(chain), key);
    }

    /**
     * Compiles the roots of a validation context: trusted_ca, or custom_validator_config (SPIFFE). SAN matchers
     * are the caller's (they belong to the context that uses the secret).
     */
    public static ValidationSecret validation(String name, CertificateValidationContext v, String path)
            throws ConfigException {
        if (v.hasTrustedCa() && v.hasCustomValidatorConfig()) {
            throw new ConfigException(path + ".trusted_ca", "cannot be combined with custom_validator_config "
                    + "(the SPIFFE validator takes its roots from trust_domains)");
        }
        if (v.hasCustomValidatorConfig()) {
            return spiffe(name, v.getCustomValidatorConfig(), path + ".custom_validator_config");
        }
        if (!v.hasTrustedCa()) {
            throw new ConfigException(path, "one of trusted_ca, custom_validator_config is required");
        }
        X509Certificate[] roots = DataSources.certificates(v.getTrustedCa(), path + ".trusted_ca");
        try {
            return ValidationSecret.trustedCa(name, List.of(roots));
        } catch (GeneralSecurityException e) {
            throw new ConfigException(path + ".trusted_ca", "cannot build a trust manager from "
                    + DataSources.describe(v.getTrustedCa()) + ": " + e.getMessage(), e);
        }
    }

    private static ValidationSecret spiffe(String name, TypedExtensionConfig custom, String path) throws ConfigException {
        if (!custom.getName().equals(SPIFFE_VALIDATOR)) {
            throw new ConfigException(path + ".name", (custom.getName().isEmpty() ? "is required"
                    : custom.getName() + " is not supported by Weft") + " (supported: " + SPIFFE_VALIDATOR + ")");
        }
        Any any = custom.getTypedConfig();
        String configPath = path + ".typed_config";
        if (!custom.hasTypedConfig() || !any.is(SPIFFECertValidatorConfig.class)) {
            throw new ConfigException(configPath, "expected " + SPIFFECertValidatorConfig.getDescriptor().getFullName()
                    + (custom.hasTypedConfig() ? ", got " + any.getTypeUrl() : ""));
        }
        SPIFFECertValidatorConfig config;
        try {
            config = any.unpack(SPIFFECertValidatorConfig.class);
        } catch (InvalidProtocolBufferException e) {
            throw new ConfigException(configPath, "cannot decode: " + e.getMessage(), e);
        }
        if (config.getTrustDomainsCount() == 0) {
            throw new ConfigException(configPath + ".trust_domains", "at least one trust domain is required");
        }
        Map<String, TrustBundle> bundles = new LinkedHashMap<>();
        for (int i = 0; i < config.getTrustDomainsCount(); i++) {
            SPIFFECertValidatorConfig.TrustDomain td = config.getTrustDomains(i);
            String tdPath = configPath + ".trust_domains[" + i + "]";
            try {
                SpiffeId.requireTrustDomain(td.getName());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(tdPath + ".name", e.getMessage(), e);
            }
            if (bundles.containsKey(td.getName())) {
                throw new ConfigException(tdPath + ".name", "trust domain \"" + td.getName() + "\" is listed twice");
            }
            if (!td.hasTrustBundle()) {
                throw new ConfigException(tdPath + ".trust_bundle", "is required");
            }
            X509Certificate[] roots = DataSources.certificates(td.getTrustBundle(), tdPath + ".trust_bundle");
            try {
                bundles.put(td.getName(), TrustBundle.of(List.of(roots)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(tdPath + ".trust_bundle", "in " + DataSources.describe(td.getTrustBundle())
                        + ": " + e.getMessage(), e);
            }
        }
        return ValidationSecret.spiffe(name, bundles);
    }

    /** The workload certificate secret: {@code tls_certificate} with the chain (leaf first) and the PKCS#8 key, inline. */
    public static Secret tlsCertificate(String name, List<X509Certificate> chain, PrivateKey key) {
        return Secret.newBuilder()
                .setName(name)
                .setTlsCertificate(TlsCertificate.newBuilder()
                        .setCertificateChain(DataSource.newBuilder().setInlineString(Pem.encode(chain)))
                        .setPrivateKey(DataSource.newBuilder().setInlineString(Pem.encode(key))))
                .build();
    }

    /** The trust bundle secret: the SPIFFE validator with each trust domain's roots inline (ROOTCA's shape). */
    public static Secret spiffeValidation(String name, Map<String, TrustBundle> bundles) {
        SPIFFECertValidatorConfig.Builder config = SPIFFECertValidatorConfig.newBuilder();
        bundles.forEach((td, bundle) -> config.addTrustDomains(SPIFFECertValidatorConfig.TrustDomain.newBuilder()
                .setName(td)
                .setTrustBundle(DataSource.newBuilder().setInlineString(bundle.toPem()))));
        return Secret.newBuilder()
                .setName(name)
                .setValidationContext(CertificateValidationContext.newBuilder()
                        .setCustomValidatorConfig(TypedExtensionConfig.newBuilder()
                                .setName(SPIFFE_VALIDATOR)
                                .setTypedConfig(Any.pack(config.build()))))
                .build();
    }
}
