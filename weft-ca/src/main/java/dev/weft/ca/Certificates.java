package dev.weft.ca;

import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;

/** Key and certificate facts the CA and the verifier both need. */
final class Certificates {

    /** The smallest RSA modulus accepted in a CSR or an operator's issuer. */
    static final int MIN_RSA_BITS = 2048;

    private static final ECParameterSpec P256 = namedCurve("secp256r1");
    private static final ECParameterSpec P384 = namedCurve("secp384r1");

    private Certificates() {
    }

    /** The JCA signature algorithm an issuer with this key signs with. */
    static String signatureAlgorithm(PrivateKey key) {
        if (key instanceof ECKey ec) {
            return sameCurve(ec.getParams(), P384) ? "SHA384withECDSA" : "SHA256withECDSA";
        }
        if (key instanceof RSAKey) {
            return "SHA256withRSA";
        }
        throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm()
                + " (expected EC or RSA)");
    }

    /** Null when Weft signs certificates for this key, else what is wrong with it. */
    static String refusedSubjectKey(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            return sameCurve(ec.getParams(), P256) ? null : "the EC key is not on curve P-256";
        }
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            return bits >= MIN_RSA_BITS ? null
                    : "the RSA key has " + bits + " bits (at least " + MIN_RSA_BITS + ")";
        }
        return "the key algorithm " + key.getAlgorithm() + " is not ECDSA P-256 or RSA";
    }

    /** Null when Weft can sign with this issuer key, else what is wrong with it. */
    static String refusedIssuerKey(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            return sameCurve(ec.getParams(), P256) || sameCurve(ec.getParams(), P384) ? null
                    : "the EC key is not on curve P-256 or P-384";
        }
        return refusedSubjectKey(key);
    }

    /** True when {@code privateKey} is the key of {@code publicKey}, shown by signing and verifying a challenge. */
    static boolean keysMatch(PrivateKey privateKey, PublicKey publicKey) {
        if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = "weft key match".getBytes(StandardCharsets.US_ASCII);
            String algorithm = signatureAlgorithm(privateKey);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** True when the certificate is signed by its own key and names itself as issuer. */
    static boolean selfSigned(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())
                && signedBy(certificate, certificate.getPublicKey());
    }

    static boolean signedBy(X509Certificate certificate, PublicKey issuerKey) {
        try {
            certificate.verify(issuerKey);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** How errors name a certificate: its subject, or its serial when the subject is empty. */
    static String describe(X509Certificate certificate) {
        String subject = certificate.getSubjectX500Principal().getName();
        return subject.isEmpty() ? "serial " + certificate.getSerialNumber().toString(16) : subject;
    }

    private static boolean sameCurve(ECParameterSpec a, ECParameterSpec b) {
        return a.getCurve().equals(b.getCurve()) && a.getOrder().equals(b.getOrder())
                && a.getGenerator().equals(b.getGenerator()) && a.getCofactor() == b.getCofactor();
    }

    private static ECParameterSpec namedCurve(String name) {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(name));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM does not know curve " + name, e);
        }
    }
}
