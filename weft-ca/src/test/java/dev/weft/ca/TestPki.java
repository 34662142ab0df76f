package dev.weft.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Certificates built by hand in tests, including the malformed ones the CA itself would never issue. */
final class TestPki {

    private static final AtomicLong SERIALS = new AtomicLong(1000);

    private TestPki() {
    }

    static KeyPair ecKey() {
        return Csr.generateKeyPair();
    }

    static KeyPair rsaKey(int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        return generator.generateKeyPair();
    }

    /** A CSR for the key with a subject but no subject alternative name. */
    static Csr unnamedCsr(KeyPair key) throws Exception {
        return Csr.fromDer(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=ignored"), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded());
    }

    /** A self-signed CA certificate. */
    static X509Certificate root(String commonName, KeyPair key, Instant from, Instant to) throws Exception {
        X500Name name = name(commonName);
        return ca(name, key.getPublic(), name, key.getPrivate(), from, to, 1);
    }

    /** A CA certificate for {@code key}, signed by {@code issuer}, that may sign only leaves. */
    static X509Certificate intermediate(String commonName, KeyPair key, X509Certificate issuer,
            PrivateKey issuerKey, Instant from, Instant to) throws Exception {
        return ca(name(commonName), key.getPublic(),
                X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()), issuerKey, from, to, 0);
    }

    private static X500Name name(String commonName) {
        return new X500Name("O=Weft test,CN=" + commonName);
    }

    private static X509Certificate ca(X500Name subject, PublicKey key, X500Name issuer, PrivateKey signingKey,
            Instant from, Instant to, int pathLength) throws Exception {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(from), Date.from(to), subject, key);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(pathLength));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(Extension.subjectKeyIdentifier, false,
                new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key));
        return sign(builder, signingKey);
    }

    /** A leaf certificate; every property can be set wrong on purpose. */
    static final class Leaf {
        private final PublicKey key;
        private final List<String> uris = new ArrayList<>();
        private boolean ca;
        private int keyUsage = KeyUsage.digitalSignature;
        private List<KeyPurposeId> extendedKeyUsage =
                List.of(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
        private Instant notBefore;
        private Instant notAfter;

        Leaf(PublicKey key, Instant notBefore, Instant notAfter) {
            this.key = key;
            this.notBefore = notBefore;
            this.notAfter = notAfter;
        }

        Leaf uri(String uri) {
            uris.add(uri);
            return this;
        }

        Leaf ca() {
            this.ca = true;
            this.keyUsage = KeyUsage.digitalSignature | KeyUsage.keyCertSign;
            return this;
        }

        Leaf extendedKeyUsage(KeyPurposeId... purposes) {
            this.extendedKeyUsage = List.of(purposes);
            return this;
        }

        X509Certificate signedBy(X509Certificate issuer, PrivateKey issuerKey) throws Exception {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
                    BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter),
                    new X500Name("CN=test leaf"), key);
            if (!uris.isEmpty()) {
                GeneralName[] names = uris.stream()
                        .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u))
                        .toArray(GeneralName[]::new);
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(extendedKeyUsage.toArray(KeyPurposeId[]::new)));
            return sign(builder, issuerKey);
        }
    }

    /** Writes a chain PEM and an owner-only key PEM for {@link CertificateAuthority.Builder#operatorIssuer}. */
    static void writeIssuer(Path chainFile, Path keyFile, List<X509Certificate> chain, PrivateKey key)
            throws IOException {
        Files.writeString(chainFile, Pem.encode(chain));
        Files.writeString(keyFile, Pem.encode(key));
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey key) throws Exception {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder(algorithm).build(key)));
    }
}
