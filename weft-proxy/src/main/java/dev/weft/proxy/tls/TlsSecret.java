package dev.weft.proxy.tls;

/**
 * A compiled SDS secret (Envoy's {@code Secret}): a certificate with its key, or what peers are verified against.
 * Immutable; a new version of a secret is a new object.
 */
public sealed interface TlsSecret permits CertificateSecret, ValidationSecret {

    /** The secret's name, as TLS contexts refer to it ({@code default}, {@code ROOTCA}). */
    String name();
}
