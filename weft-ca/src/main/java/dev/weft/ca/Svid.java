package dev.weft.ca;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * An X.509 SVID the CA issued: the leaf certificate for {@code spiffeId}, followed by the intermediates between it
 * and the root (none when the CA issues from its root). This is what a workload presents in a TLS handshake; the
 * root comes from the {@link TrustBundle}.
 */
public record Svid(SpiffeId spiffeId, List<X509Certificate> chain) {

    public Svid {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("an SVID chain holds at least the leaf certificate");
        }
    }

    /** The leaf certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    public Instant notBefore() {
        return certificate().getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }

    /** The chain as PEM, leaf first, as a TLS key manager or an SDS {@code certificate_chain} takes it. */
    public String chainPem() {
        return Pem.encode(chain);
    }
}
