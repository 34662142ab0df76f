package dev.weft.proxy.tls;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Csr;
import dev.weft.ca.Pem;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import dev.weft.ca.TrustBundle;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
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
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A mesh's PKI for tests: weft-ca's {@link CertificateAuthority} in a directory issues the good SVIDs; Bouncy
 * Castle makes the deliberately bad ones (two URI SANs, a CA as leaf, expired, another trust domain), signed with
 * the CA's own issuing key so that only the defect under test is wrong.
 */
public final class MeshPki {
    public static final String TRUST_DOMAIN = "cluster.local";
    private static final AtomicLong SERIALS = new AtomicLong(7000);

    private final CertificateAuthority ca;
    private final String trustDomain;
    private final List<X509Certificate> issuerChain;
    private final PrivateKey issuerKey;

    private MeshPki(CertificateAuthority ca, String trustDomain, List<X509Certificate> issuerChain, PrivateKey issuerKey) {
        this.ca = ca;
        this.trustDomain = trustDomain;
        this.issuerChain = issuerChain;
        this.issuerKey = issuerKey;
    }

    /** Opens (creating) a CA for {@code trustDomain} in {@code dir}. */
    public static MeshPki open(Path dir, String trustDomain) throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder(dir, trustDomain).open();
        String active = Files.readString(dir.resolve("active")).trim();
        Path issuer = dir.resolve("issuers").resolve(active);
        return new MeshPki(ca, trustDomain, Pem.certificates(Files.readString(issuer.resolve("chain.pem"))),
                Pem.privateKey(Files.readString(issuer.resolve("key.pem"))));
    }

    public CertificateAuthority ca() {
        return ca;
    }

    public TrustBundle bundle() {
        return ca.bundle();
    }

    public String trustDomain() {
        return trustDomain;
    }

    /** The SPIFFE ID {@code spiffe://<td>/ns/<ns>/sa/<account>}. */
    public String id(String namespace, String account) {
        return new SpiffeId(trustDomain, namespace, account).toString();
    }

    /** An SVID the CA issues, with its key. */
    public Credential svid(String namespace, String account) throws Exception {
        KeyPair key = Csr.generateKeyPair();
        SpiffeId id = new SpiffeId(trustDomain, namespace, account);
        Svid svid = ca.issue(id, Csr.create(key, id));
        return new Credential(key.getPrivate(), svid.chain());
    }

    /** The ROOTCA secret: the SPIFFE validator with this CA's bundle. */
    public Secret rootCa() {
        return Secrets.spiffeValidation(Secrets.ROOTCA, Map.of(trustDomain, bundle()));
    }

    /** A leaf signed by this CA's issuer, valid for an hour from a minute ago, with no SAN unless added. */
    public Leaf leaf() {
        return new Leaf(Csr.generateKeyPair(), Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofHours(1)));
    }

    /** A leaf certificate whose every property can be set wrong on purpose. */
    public final class Leaf {
        private final KeyPair key;
        private final List<String> uris = new ArrayList<>();
        private boolean ca;
        private Instant notBefore;
        private Instant notAfter;

        private Leaf(KeyPair key, Instant notBefore, Instant notAfter) {
            this.key = key;
            this.notBefore = notBefore;
            this.notAfter = notAfter;
        }

        public Leaf uri(String uri) {
            uris.add(uri);
            return this;
        }

        /** basicConstraints CA:true (and keyCertSign). */
        public Leaf ca() {
            this.ca = true;
            return this;
        }

        public Leaf validity(Instant from, Instant to) {
            this.notBefore = from;
            this.notAfter = to;
            return this;
        }

        /** Signed by the mesh CA's issuer, chain leaf first. */
        public Credential build() throws Exception {
            return new Credential(key.getPrivate(), chain(sign(key.getPublic(), issuerChain.get(0), issuerKey)));
        }

        private List<X509Certificate> chain(X509Certificate leaf) {
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(leaf);
            chain.addAll(issuerChain);
            return chain;
        }

        private X509Certificate sign(PublicKey subjectKey, X509Certificate issuer, PrivateKey signer) throws Exception {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
                    BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter),
                    new X500Name("CN=test leaf"), subjectKey);
            if (!uris.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(uris.stream()
                        .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u)).toArray(GeneralName[]::new)));
            }
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(ca
                    ? KeyUsage.digitalSignature | KeyUsage.keyCertSign : KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        }
    }
}
