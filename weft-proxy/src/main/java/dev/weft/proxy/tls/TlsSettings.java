package dev.weft.proxy.tls;

import java.util.List;

/**
 * What one TLS context is made of, resolved from an Envoy Downstream/UpstreamTlsContext: where the certificate and
 * the peer validation come from (an SDS secret by name, read at each handshake, or inline), the SAN matchers, the
 * protocol versions and ALPN. Immutable; equal settings make equivalent contexts.
 *
 * @param certificateSecret        SDS name of the certificate, or null
 * @param certificate              the inline certificate, or null
 * @param validationSecret         SDS name of the validation context, or null
 * @param validation               the inline validation context, or null
 * @param sanMatchers              one must match the peer (empty: any verified peer)
 * @param protocols                TLS versions to enable, newest first ({@code TLSv1.3}, {@code TLSv1.2})
 * @param alpn                     protocols offered (client) or accepted (server) by ALPN, in preference order
 * @param requireClientCertificate server: refuse a client without a certificate
 */
public record TlsSettings(
        String certificateSecret,
        CertificateSecret certificate,
        String validationSecret,
        ValidationSecret validation,
        List<SanMatcher> sanMatchers,
        List<String> protocols,
        List<String> alpn,
        boolean requireClientCertificate) {

    public TlsSettings {
        sanMatchers = List.copyOf(sanMatchers);
        protocols = List.copyOf(protocols);
        alpn = List.copyOf(alpn);
        if (certificateSecret != null && certificate != null) {
            throw new IllegalArgumentException("certificate: both an SDS secret and an inline one");
        }
        if (validationSecret != null && validation != null) {
            throw new IllegalArgumentException("validation: both an SDS secret and an inline one");
        }
    }

    /** Whether there is a certificate to present. */
    public boolean hasCertificate() {
        return certificateSecret != null || certificate != null;
    }

    /** Whether peers are verified. */
    public boolean verifiesPeer() {
        return validationSecret != null || validation != null;
    }

    /** Whether the context reads secrets at handshakes rather than holding inline material only. */
    public boolean usesSds() {
        return certificateSecret != null || validationSecret != null;
    }
}
