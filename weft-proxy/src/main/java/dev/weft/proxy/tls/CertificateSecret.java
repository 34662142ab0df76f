package dev.weft.proxy.tls;

import dev.weft.ca.tls.TlsCredential;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@code tls_certificate} secret: the certificate chain this proxy presents (leaf first) and the leaf's private
 * key, already checked to belong together.
 *
 * @param alias a name unique to this version of the secret: a key manager hands it out for a handshake and
 *              resolves the chain and key by it, so a rotation between those calls cannot pair the new chain
 *              with the old key (and Netty's OpenSSL key material cache, keyed by alias, never serves a stale pair)
 */
public record CertificateSecret(String name, List<X509Certificate> chain, PrivateKey key, String alias)
        implements TlsSecret, TlsCredential {
    private static final AtomicLong GENERATION = new AtomicLong();

    public CertificateSecret {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain: empty (expected: the leaf first)");
        }
    }

    /** A new version of secret {@code name}, with an alias of its own. */
    public static CertificateSecret of(String name, List<X509Certificate> chain, PrivateKey key) {
        return new CertificateSecret(name, chain, key, name + "#" + GENERATION.incrementAndGet());
    }

    /** The certificate presented: the first of the chain. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        // never the key
        return "CertificateSecret[" + name + ", " + leaf().getSubjectX500Principal() + ", serial "
                + leaf().getSerialNumber().toString(16) + ", until " + leaf().getNotAfter().toInstant() + "]";
    }
}
