package dev.weft.ca;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a peer's certificate chain, as presented in a TLS handshake, is an X.509 SVID of the trust
 * domain: the leaf is not a CA, has exactly one URI SAN which is a SPIFFE ID of the trust domain, is valid at the
 * given time, may be used for digital signatures in the peer's role, and chains (PKIX, no revocation) to a root of
 * the bundle; optionally it must be one expected identity. Each failure has its own {@link
 * SvidVerificationException.Failure}. Immutable and thread-safe; the trust anchors are computed once.
 */
public final class SvidVerifier {

    /** What the peer is in the connection, which its extended key usage must allow. */
    public enum PeerRole {
        /** The peer opened the connection (its certificate needs clientAuth). */
        CLIENT,
        /** The peer accepted the connection (its certificate needs serverAuth). */
        SERVER
    }

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
    private static final int URI_NAME = 6;
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_CERT_SIGN = 5;
    private static final int CRL_SIGN = 6;

    private final TrustBundle bundle;
    private final String trustDomain;
    private final PKIXParameters template;

    public SvidVerifier(TrustBundle bundle, String trustDomain) {
        this.bundle = bundle;
        this.trustDomain = SpiffeId.requireTrustDomain(trustDomain);
        try {
            this.template = new PKIXParameters(bundle.trustAnchors());
        } catch (InvalidAlgorithmParameterException e) {
            throw new IllegalArgumentException("trust bundle: " + e.getMessage(), e);
        }
        template.setRevocationEnabled(false);
    }

    public TrustBundle bundle() {
        return bundle;
    }

    public String trustDomain() {
        return trustDomain;
    }

    /**
     * Verifies a chain (leaf first) for a peer in {@code role} at time {@code at}.
     *
     * @return the peer's SPIFFE ID
     */
    public SpiffeId verify(X509Certificate[] chain, PeerRole role, Instant at) throws SvidVerificationException {
        return verify(chain, role, at, null);
    }

    /**
     * Verifies a chain like {@link #verify(X509Certificate[], PeerRole, Instant)} and, when {@code expected} is not
     * null, that the peer is that identity, so one service cannot pose as another.
     */
    public SpiffeId verify(X509Certificate[] chain, PeerRole role, Instant at, SpiffeId expected)
            throws SvidVerificationException {
        if (chain == null || chain.length == 0) {
            throw new SvidVerificationException(SvidVerificationException.Failure.EMPTY_CHAIN,
                    "the peer presented no certificate");
        }
        X509Certificate leaf = chain[0];
        if (leaf.getBasicConstraints() >= 0) {
            throw new SvidVerificationException(SvidVerificationException.Failure.LEAF_IS_CA,
                    "the leaf " + Certificates.describe(leaf) + " is a CA certificate");
        }
        SpiffeId id = spiffeId(leaf);
        checkValidity(leaf, at);
        checkKeyUsage(leaf, role);
        validatePath(chain, at);
        if (expected != null && !expected.equals(id)) {
            throw new SvidVerificationException(SvidVerificationException.Failure.WRONG_IDENTITY,
                    "the peer is " + id + ", expected " + expected);
        }
        return id;
    }

    private SpiffeId spiffeId(X509Certificate leaf) throws SvidVerificationException {
        Collection<List<?>> names;
        try {
            names = leaf.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new SvidVerificationException(SvidVerificationException.Failure.INVALID_SPIFFE_ID,
                    "the leaf's subject alternative names cannot be read: " + e.getMessage(), e);
        }
        String uri = null;
        int uris = 0;
        if (names != null) {
            for (List<?> name : names) {
                if (((Integer) name.get(0)) == URI_NAME) {
                    uris++;
                    uri = (String) name.get(1);
                }
            }
        }
        if (uris == 0) {
            throw new SvidVerificationException(SvidVerificationException.Failure.NO_URI_SAN,
                    "the leaf " + Certificates.describe(leaf) + " has no URI subject alternative name");
        }
        if (uris > 1) {
            throw new SvidVerificationException(SvidVerificationException.Failure.MULTIPLE_URI_SANS,
                    "the leaf has " + uris + " URI subject alternative names (an SVID has exactly one)");
        }
        SpiffeId id;
        try {
            id = SpiffeId.parse(uri);
        } catch (InvalidSpiffeIdException e) {
            throw new SvidVerificationException(SvidVerificationException.Failure.INVALID_SPIFFE_ID,
                    e.getMessage(), e);
        }
        if (!id.trustDomain().equals(trustDomain)) {
            throw new SvidVerificationException(SvidVerificationException.Failure.WRONG_TRUST_DOMAIN,
                    id + " is not in trust domain " + trustDomain);
        }
        return id;
    }

    private static void checkValidity(X509Certificate leaf, Instant at) throws SvidVerificationException {
        if (at.isBefore(leaf.getNotBefore().toInstant())) {
            throw new SvidVerificationException(SvidVerificationException.Failure.NOT_YET_VALID,
                    "the leaf is valid from " + leaf.getNotBefore().toInstant() + ", it is " + at);
        }
        if (at.isAfter(leaf.getNotAfter().toInstant())) {
            throw new SvidVerificationException(SvidVerificationException.Failure.EXPIRED,
                    "the leaf expired at " + leaf.getNotAfter().toInstant() + ", it is " + at);
        }
    }

    private static void checkKeyUsage(X509Certificate leaf, PeerRole role) throws SvidVerificationException {
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage == null || !keyUsage[DIGITAL_SIGNATURE]) {
            throw new SvidVerificationException(SvidVerificationException.Failure.KEY_USAGE,
                    "the leaf's key usage lacks digitalSignature");
        }
        if ((keyUsage.length > KEY_CERT_SIGN && keyUsage[KEY_CERT_SIGN])
                || (keyUsage.length > CRL_SIGN && keyUsage[CRL_SIGN])) {
            throw new SvidVerificationException(SvidVerificationException.Failure.KEY_USAGE,
                    "the leaf's key usage allows signing certificates or CRLs");
        }
        List<String> extendedKeyUsage;
        try {
            extendedKeyUsage = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new SvidVerificationException(SvidVerificationException.Failure.EXTENDED_KEY_USAGE,
                    "the leaf's extended key usage cannot be read: " + e.getMessage(), e);
        }
        // RFC 5280: without the extension the key may be used for any purpose
        if (extendedKeyUsage == null || extendedKeyUsage.contains(ANY_EXTENDED_KEY_USAGE)) {
            return;
        }
        String needed = role == PeerRole.CLIENT ? CLIENT_AUTH : SERVER_AUTH;
        if (!extendedKeyUsage.contains(needed)) {
            throw new SvidVerificationException(SvidVerificationException.Failure.EXTENDED_KEY_USAGE,
                    "the leaf's extended key usage does not allow " + (role == PeerRole.CLIENT ? "clientAuth"
                            : "serverAuth") + " for a " + role.name().toLowerCase(Locale.ROOT) + " peer");
        }
    }

    private void validatePath(X509Certificate[] chain, Instant at) throws SvidVerificationException {
        // a peer may send the root too; PKIX wants the path without its anchor
        List<X509Certificate> path = new ArrayList<>(chain.length);
        path.add(chain[0]);
        for (int i = 1; i < chain.length && !bundle.contains(chain[i]); i++) {
            path.add(chain[i]);
        }
        PKIXParameters parameters = (PKIXParameters) template.clone();
        parameters.setDate(Date.from(at));
        PKIXCertPathValidatorResult result;
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            result = (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX")
                    .validate(certPath, parameters);
        } catch (CertPathValidatorException e) {
            SvidVerificationException.Failure failure = e.getReason() == PKIXReason.NO_TRUST_ANCHOR
                    || e.getReason() == CertPathValidatorException.BasicReason.INVALID_SIGNATURE
                    ? SvidVerificationException.Failure.UNTRUSTED
                    : SvidVerificationException.Failure.INVALID_CHAIN;
            String where = e.getIndex() >= 0 && e.getIndex() < path.size()
                    ? " at certificate " + (e.getIndex() + 1) + " (" + Certificates.describe(path.get(e.getIndex()))
                            + ")"
                    : "";
            throw new SvidVerificationException(failure, "the chain does not verify against the trust bundle"
                    + where + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new SvidVerificationException(SvidVerificationException.Failure.INVALID_CHAIN,
                    "the chain cannot be validated: " + e.getMessage(), e);
        }
        // PKIX does not check the anchor's own validity
        X509Certificate root = result.getTrustAnchor().getTrustedCert();
        if (at.isAfter(root.getNotAfter().toInstant()) || at.isBefore(root.getNotBefore().toInstant())) {
            throw new SvidVerificationException(SvidVerificationException.Failure.INVALID_CHAIN,
                    "the root " + Certificates.describe(root) + " is valid only from "
                            + root.getNotBefore().toInstant() + " to " + root.getNotAfter().toInstant());
        }
    }
}
