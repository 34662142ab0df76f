package dev.weft.proxy.tls;

import dev.weft.ca.SpiffeId;
import dev.weft.ca.SvidVerifier;
import dev.weft.ca.TrustBundle;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A {@code validation_context} secret: what a peer's certificate chain is verified against. Either SPIFFE
 * ({@code custom_validator_config} {@code envoy.tls.cert_validator.spiffe}): per trust domain a bundle of roots,
 * and the peer must be an X.509 SVID of one of them (weft-ca's {@link SvidVerifier}: chain to that bundle, exactly
 * one URI SAN of the trust domain, leaf not a CA, within its validity); or plain PKIX to {@code trusted_ca}.
 * Immutable and thread-safe; the trust anchors are built once.
 */
public final class ValidationSecret implements TlsSecret {

    private final String name;
    private final Map<String, SvidVerifier> spiffe;
    private final List<X509Certificate> trustedCa;
    private final X509TrustManager pkix;

    private ValidationSecret(String name, Map<String, SvidVerifier> spiffe, List<X509Certificate> trustedCa,
            X509TrustManager pkix) {
        this.name = name;
        this.spiffe = spiffe;
        this.trustedCa = trustedCa;
        this.pkix = pkix;
    }

    /**
     * SPIFFE validation: a peer must be an SVID of one of these trust domains, chaining to its bundle.
     *
     * @param bundles the roots of each trust domain, at least one trust domain
     */
    public static ValidationSecret spiffe(String name, Map<String, TrustBundle> bundles) {
        if (bundles.isEmpty()) {
            throw new IllegalArgumentException("bundles: empty (expected: at least one trust domain)");
        }
        Map<String, SvidVerifier> verifiers = new LinkedHashMap<>();
        bundles.forEach((td, bundle) -> verifiers.put(td, new SvidVerifier(bundle, td)));
        return new ValidationSecret(name, Collections.unmodifiableMap(verifiers), List.of(), null);
    }

    /** PKIX validation against these CA certificates (the JDK's, revocation off), as Envoy's trusted_ca. */
    public static ValidationSecret trustedCa(String name, List<X509Certificate> roots) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot create an empty key store: " + e.getMessage(), e);
        }
        for (int i = 0; i < roots.size(); i++) {
            store.setCertificateEntry("ca-" + i, roots.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager tm : factory.getTrustManagers()) {
            if (tm instanceof X509TrustManager x509) {
                return new ValidationSecret(name, Map.of(), List.copyOf(roots), x509);
            }
        }
        throw new GeneralSecurityException("the JDK's " + factory.getAlgorithm() + " trust manager factory made no X509TrustManager");
    }

    @Override
    public String name() {
        return name;
    }

    /** Whether peers must be SPIFFE SVIDs (else: PKIX to {@link #trustedCa()}). */
    public boolean isSpiffe() {
        return !spiffe.isEmpty();
    }

    /** The roots of each trust domain (SPIFFE validation), empty for trusted_ca. */
    public Map<String, TrustBundle> trustDomains() {
        Map<String, TrustBundle> out = new LinkedHashMap<>();
        spiffe.forEach((td, v) -> out.put(td, v.bundle()));
        return Collections.unmodifiableMap(out);
    }

    /** The trusted CA certificates (trusted_ca validation), empty for SPIFFE. */
    public List<X509Certificate> trustedCa() {
        return trustedCa;
    }

    /**
     * Verifies a peer's chain (leaf first).
     *
     * @param role     what the peer is: the client (a listener verifies it) or the server (a cluster does)
     * @param authType the TLS key exchange, as a trust manager is given it
     * @return the peer's URI SAN (for SPIFFE, its verified SPIFFE ID), null when a trusted_ca peer has none
     * @throws CertificateException saying why the peer is refused
     */
    public String verify(X509Certificate[] chain, SvidVerifier.PeerRole role, String authType, Instant now)
            throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the peer presented no certificate");
        }
        if (pkix != null) {
            if (role == SvidVerifier.PeerRole.CLIENT) {
                pkix.checkClientTrusted(chain, authType);
            } else {
                pkix.checkServerTrusted(chain, authType);
            }
            List<String> uris = uriSans(chain[0]);
            return uris.isEmpty() ? null : uris.get(0);
        }
        return verifierFor(chain[0]).verify(chain, role, now).toString();
    }

    /**
     * The verifier of the leaf's trust domain. A leaf that does not name exactly one SPIFFE ID goes to any
     * verifier, whose checks then say precisely what is wrong with it.
     */
    private SvidVerifier verifierFor(X509Certificate leaf) throws CertificateException {
        if (spiffe.size() == 1) {
            return spiffe.values().iterator().next();
        }
        List<String> uris = uriSans(leaf);
        if (uris.size() == 1) {
            String td;
            try {
                td = SpiffeId.parse(uris.get(0)).trustDomain();
            } catch (IllegalArgumentException e) {
                return spiffe.values().iterator().next();
            }
            SvidVerifier v = spiffe.get(td);
            if (v == null) {
                throw new CertificateException("WRONG_TRUST_DOMAIN: " + uris.get(0) + " is in none of the trust domains "
                        + spiffe.keySet() + " of secret " + name);
            }
            return v;
        }
        return spiffe.values().iterator().next();
    }

    /** The URI subject alternative names of a certificate, in order. */
    public static List<String> uriSans(X509Certificate cert) throws CertificateParsingException {
        return dev.weft.ca.tls.UriSans.of(cert);
    }

    @Override
    public String toString() {
        return "ValidationSecret[" + name + (isSpiffe() ? ", spiffe " + spiffe.keySet() : ", " + trustedCa.size() + " CA") + "]";
    }
}
