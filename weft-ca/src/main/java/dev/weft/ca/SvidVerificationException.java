package dev.weft.ca;

import java.security.cert.CertificateException;

/**
 * A peer's certificate chain is not an acceptable SVID; {@link #failure()} says which check failed. It is a
 * {@link CertificateException} so a TLS trust manager can throw it as it is.
 */
public final class SvidVerificationException extends CertificateException {
    private static final long serialVersionUID = 1L;

    /** The check a chain failed, one value per distinct reason. */
    public enum Failure {
        /** No certificate was presented. */
        EMPTY_CHAIN,
        /** The leaf is a CA certificate (basicConstraints CA:true). */
        LEAF_IS_CA,
        /** The leaf has no URI subject alternative name. */
        NO_URI_SAN,
        /** The leaf has more than one URI subject alternative name. */
        MULTIPLE_URI_SANS,
        /** The leaf's URI subject alternative name is not a valid SPIFFE ID of the form Weft uses. */
        INVALID_SPIFFE_ID,
        /** The SPIFFE ID belongs to another trust domain. */
        WRONG_TRUST_DOMAIN,
        /** The leaf is not valid yet. */
        NOT_YET_VALID,
        /** The leaf has expired. */
        EXPIRED,
        /** The leaf's key usage lacks digitalSignature, or allows signing certificates or CRLs. */
        KEY_USAGE,
        /** The leaf's extended key usage does not allow the role the peer plays (client or server). */
        EXTENDED_KEY_USAGE,
        /** The chain does not lead to a root of the trust bundle. */
        UNTRUSTED,
        /** The chain leads to a root of the bundle but fails on the way (an expired intermediate, a path length). */
        INVALID_CHAIN,
        /** The peer is a valid SVID of the trust domain, but not the identity expected. */
        WRONG_IDENTITY
    }

    private final Failure failure;

    SvidVerificationException(Failure failure, String message) {
        super(failure + ": " + message);
        this.failure = failure;
    }

    SvidVerificationException(Failure failure, String message, Throwable cause) {
        super(failure + ": " + message, cause);
        this.failure = failure;
    }

    public Failure failure() {
        return failure;
    }
}
