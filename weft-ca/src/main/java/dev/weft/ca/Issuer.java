package dev.weft.ca;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Signing material of the CA: the issuing certificate, its chain up to a self-signed root (the root alone when the
 * CA issues from its root), and the private key. {@code generation} numbers the issuers of one CA directory in the
 * order they were added, which is how a restart tells a pending issuer from an old one.
 */
record Issuer(int generation, List<X509Certificate> chain, PrivateKey key) {

    Issuer {
        chain = List.copyOf(chain);
    }

    X509Certificate certificate() {
        return chain.get(0);
    }

    X509Certificate root() {
        return chain.get(chain.size() - 1);
    }

    /** The earliest end of validity along the chain; no certificate issued from here may outlive it. */
    Instant notAfter() {
        return chain.stream().map(c -> c.getNotAfter().toInstant()).min(Instant::compareTo).orElseThrow();
    }

    /** The latest start of validity along the chain. */
    Instant notBefore() {
        return chain.stream().map(c -> c.getNotBefore().toInstant()).max(Instant::compareTo).orElseThrow();
    }

    /** The issuing certificate's key identifier, which issued certificates carry as their authority key id. */
    AuthorityKeyIdentifier authorityKeyIdentifier() {
        byte[] extension = certificate().getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (extension != null) {
            return new AuthorityKeyIdentifier(
                    SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(extension).getOctets())
                            .getKeyIdentifier());
        }
        return extensionUtils().createAuthorityKeyIdentifier(certificate().getPublicKey());
    }

    /** A new self-signed ECDSA P-256 root that signs SVIDs directly (path length 0). */
    static Issuer generateRoot(int generation, String trustDomain, Instant notBefore, Instant notAfter,
            SecureRandom random) {
        KeyPair keyPair = Csr.generateKeyPair();
        SubjectKeyIdentifier keyId = extensionUtils().createSubjectKeyIdentifier(keyPair.getPublic());
        // the key id in the name keeps the roots of successive rotations apart for tools and logs
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Weft")
                .addRDN(BCStyle.OU, trustDomain)
                .addRDN(BCStyle.CN, "Weft root CA " + HexFormat.of().formatHex(keyId.getKeyIdentifier(), 0, 4))
                .build();
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(random),
                    Date.from(notBefore), Date.from(notAfter), name, keyPair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, keyId);
            X509Certificate root = new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder(Certificates.signatureAlgorithm(keyPair.getPrivate()))
                            .build(keyPair.getPrivate())));
            return new Issuer(generation, List.of(root), keyPair.getPrivate());
        } catch (CertIOException | OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot create a root certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Checks material the operator supplied (or the CA stored): the chain runs from a CA certificate that may sign
     * certificates, each signed by the next, to a self-signed root; the key is the
     * first certificate's key and of a kind Weft signs with. With {@code validAt} (null: no check) every
     * certificate must be valid then.
     *
     * @throws CaException naming {@code chainFile} or {@code keyFile} and what is wrong
     */
    static Issuer check(int generation, List<X509Certificate> chain, PrivateKey key, Path chainFile, Path keyFile,
            Instant validAt) throws CaException {
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate certificate = chain.get(i);
            String which = "certificate " + (i + 1) + " (" + Certificates.describe(certificate) + ")";
            if (certificate.getBasicConstraints() < 0) {
                throw new CaException(chainFile, which + " is not a CA certificate (basicConstraints CA:true "
                        + "missing)");
            }
            boolean[] keyUsage = certificate.getKeyUsage();
            if (keyUsage != null && !keyUsage[5]) {
                throw new CaException(chainFile, which + " may not sign certificates (key usage lacks "
                        + "keyCertSign)");
            }
            if (validAt != null && validAt.isAfter(certificate.getNotAfter().toInstant())) {
                throw new CaException(chainFile, which + " expired at " + certificate.getNotAfter().toInstant());
            }
            if (validAt != null && validAt.isBefore(certificate.getNotBefore().toInstant())) {
                throw new CaException(chainFile, which + " is not valid before "
                        + certificate.getNotBefore().toInstant());
            }
            if (i + 1 < chain.size()) {
                X509Certificate next = chain.get(i + 1);
                if (!certificate.getIssuerX500Principal().equals(next.getSubjectX500Principal())
                        || !Certificates.signedBy(certificate, next.getPublicKey())) {
                    throw new CaException(chainFile, which + " is not signed by certificate " + (i + 2) + " ("
                            + Certificates.describe(next) + "); list the issuing certificate first, then each "
                            + "issuer up to the root");
                }
            }
        }
        X509Certificate last = chain.get(chain.size() - 1);
        if (!Certificates.selfSigned(last)) {
            throw new CaException(chainFile, "the chain ends at " + Certificates.describe(last)
                    + ", which is not a self-signed root; append the root certificate");
        }
        PublicKey publicKey = chain.get(0).getPublicKey();
        String refused = Certificates.refusedIssuerKey(publicKey);
        if (refused != null) {
            throw new CaException(chainFile, "certificate 1 (" + Certificates.describe(chain.get(0)) + "): "
                    + refused);
        }
        if (!Certificates.keysMatch(key, publicKey)) {
            throw new CaException(keyFile, "the private key does not belong to certificate 1 ("
                    + Certificates.describe(chain.get(0)) + ") of " + chainFile);
        }
        return new Issuer(generation, chain, key);
    }

    static BigInteger serial(SecureRandom random) {
        byte[] bytes = new byte[16];
        BigInteger serial;
        do {
            random.nextBytes(bytes);
            serial = new BigInteger(1, bytes);
        } while (serial.signum() == 0);
        return serial;
    }

    static JcaX509ExtensionUtils extensionUtils() {
        try {
            return new JcaX509ExtensionUtils();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 (for key identifiers) is missing from this JVM", e);
        }
    }
}
