package dev.weft.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    private static final SpiffeId CHAT = new SpiffeId("example.org", "default", "chat");

    @TempDir
    Path temp;

    private final TestClock clock = new TestClock();

    private CertificateAuthority open() throws CaException {
        return CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock).open();
    }

    @Test
    void aFirstStartGeneratesAnEcdsaP256RootThatMaySignOnlyLeaves() throws Exception {
        CertificateAuthority ca = open();

        X509Certificate root = ca.issuerChain().get(0);
        assertThat(ca.issuerChain()).hasSize(1);
        assertThat(ca.bundle().roots()).containsExactly(root);
        assertThat(root.getSubjectX500Principal()).isEqualTo(root.getIssuerX500Principal());
        root.verify(root.getPublicKey());
        assertThat(root.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(Certificates.refusedSubjectKey(root.getPublicKey())).isNull();
        assertThat(root.getBasicConstraints()).isEqualTo(0);
        assertThat(root.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId(),
                Extension.keyUsage.getId());
        boolean[] keyUsage = root.getKeyUsage();
        assertThat(keyUsage[5]).as("keyCertSign").isTrue();
        assertThat(keyUsage[6]).as("cRLSign").isTrue();
        assertThat(root.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
        assertThat(root.getNotAfter().toInstant())
                .isEqualTo(clock.instant().plus(CertificateAuthority.DEFAULT_ROOT_LIFETIME));
    }

    @Test
    void anIssuedSvidHasExactlyTheSpiffeProperties() throws Exception {
        CertificateAuthority ca = open();
        KeyPair key = Csr.generateKeyPair();

        Svid svid = ca.issue(CHAT, Csr.create(key, CHAT));

        X509Certificate leaf = svid.certificate();
        X509Certificate root = ca.issuerChain().get(0);
        assertThat(svid.spiffeId()).isEqualTo(CHAT);
        assertThat(svid.chain()).containsExactly(leaf);
        assertThat(leaf.getPublicKey()).isEqualTo(key.getPublic());
        assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, CHAT.toString()));
        assertThat(leaf.getBasicConstraints()).as("CA:false").isEqualTo(-1);
        assertThat(leaf.getCriticalExtensionOIDs()).containsExactlyInAnyOrder(
                Extension.subjectAlternativeName.getId(), Extension.basicConstraints.getId(),
                Extension.keyUsage.getId());
        assertThat(leaf.getKeyUsage()).startsWith(true, false, false, false, false, false, false);
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(keyIdentifier(leaf, Extension.authorityKeyIdentifier))
                .isEqualTo(keyIdentifier(root, Extension.subjectKeyIdentifier));
        assertThat(leaf.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
        assertThat(leaf.getSerialNumber().signum()).isPositive();
        assertThat(leaf.getSerialNumber().bitLength()).isBetween(100, 128);
        assertThat(svid.notAfter()).isEqualTo(clock.instant().plus(Duration.ofHours(24)));
        assertThat(svid.notBefore()).isEqualTo(clock.instant().minus(CertificateAuthority.DEFAULT_BACKDATE));
        assertChainsTo(svid, ca.bundle(), clock.instant());
    }

    @Test
    void aServerSvidNamesItsHostsAndAddressesBesideItsOneUri() throws Exception {
        CertificateAuthority ca = open();
        SpiffeId server = new SpiffeId("example.org", "weft-system", "weft-control-plane");

        Svid svid = ca.issue(server, Csr.create(Csr.generateKeyPair(), server), List.of("localhost", "cp.example"),
                List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")));

        X509Certificate leaf = svid.certificate();
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, server.toString()),
                List.of(2, "localhost"), List.of(2, "cp.example"), List.of(7, "127.0.0.1"),
                List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(leaf.getCriticalExtensionOIDs()).contains(Extension.subjectAlternativeName.getId());
        SvidVerifier verifier = new SvidVerifier(ca.bundle(), "example.org");
        assertThat(verifier.verify(svid.chain().toArray(X509Certificate[]::new), SvidVerifier.PeerRole.SERVER,
                clock.instant(), server)).isEqualTo(server);
    }

    @Test
    void aServerSvidRefusesANameThatIsNotAHostName() throws Exception {
        CertificateAuthority ca = open();
        Csr csr = Csr.create(Csr.generateKeyPair(), CHAT);

        for (String bad : List.of("", "*.example.org", "a..b", "-a.example", "spiffe://example.org/x")) {
            assertThatThrownBy(() -> ca.issue(CHAT, csr, List.of(bad), List.of()))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dnsNames: \"" + bad + "\"");
        }
    }

    @Test
    void serialsAreRandom() throws Exception {
        CertificateAuthority ca = open();

        X509Certificate a = ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT)).certificate();
        X509Certificate b = ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT)).certificate();

        assertThat(a.getSerialNumber()).isNotEqualTo(b.getSerialNumber());
    }

    @Test
    void aFifteenSecondLifetimeIsValidFifteenSeconds() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock)
                .svidLifetime(Duration.ofSeconds(15)).open();
        Instant issued = clock.instant();

        Svid svid = ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT));

        assertThat(svid.notAfter()).isEqualTo(issued.plusSeconds(15));
        SvidVerifier verifier = new SvidVerifier(ca.bundle(), "example.org");
        X509Certificate[] chain = svid.chain().toArray(X509Certificate[]::new);
        assertThat(verifier.verify(chain, SvidVerifier.PeerRole.SERVER, issued.plusSeconds(14))).isEqualTo(CHAT);
        assertThatThrownBy(() -> verifier.verify(chain, SvidVerifier.PeerRole.SERVER, issued.plusSeconds(16)))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(SvidVerificationException.Failure.EXPIRED));
    }

    @Test
    void anSvidNeverOutlivesItsIssuer() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock)
                .rootLifetime(Duration.ofHours(1)).open();

        Svid svid = ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT));

        assertThat(svid.notAfter()).isEqualTo(ca.issuerChain().get(0).getNotAfter().toInstant());

        clock.advance(Duration.ofHours(2));
        assertThatThrownBy(() -> ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expired at")
                .hasMessageContaining("rotate to a new root");
    }

    @Test
    void lifetimesBelowOneSecondOrWithFractionsAreRefused() {
        CertificateAuthority.Builder builder = CertificateAuthority.builder(temp.resolve("ca"), "example.org");

        assertThatThrownBy(() -> builder.svidLifetime(Duration.ofMillis(500)))
                .hasMessage("svidLifetime: PT0.5S (expected: a whole number of seconds, at least 1)");
        assertThatThrownBy(() -> builder.svidLifetime(Duration.ofMillis(1500)))
                .hasMessageContaining("svidLifetime: PT1.5S");
    }

    @Test
    void aCsrAskingForAnotherIdentityIsRefused() throws Exception {
        CertificateAuthority ca = open();
        SpiffeId other = new SpiffeId("example.org", "default", "admin");

        assertThatThrownBy(() -> ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), other)))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessage("certificate signing request refused: the CSR asks for " + other
                        + " but the requester is " + CHAT);
    }

    @Test
    void aCsrWithoutNamesIsIssuedTheCallersIdentity() throws Exception {
        CertificateAuthority ca = open();
        KeyPair key = Csr.generateKeyPair();
        Csr csr = TestPki.unnamedCsr(key);

        Svid svid = ca.issue(CHAT, csr);

        assertThat(svid.certificate().getSubjectX500Principal().getName()).isEmpty();
        assertThat(svid.certificate().getSubjectAlternativeNames()).containsExactly(List.of(6, CHAT.toString()));
    }

    @Test
    void aCsrAskingForOtherNamesIsRefused() throws Exception {
        CertificateAuthority ca = open();
        KeyPair key = Csr.generateKeyPair();
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.uniformResourceIdentifier, CHAT.toString()),
            new GeneralName(GeneralName.dNSName, "chat.default.svc")}));
        Csr csr = Csr.fromDer(new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]), key.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded());

        assertThatThrownBy(() -> ca.issue(CHAT, csr))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("chat.default.svc")
                .hasMessageContaining("exactly one name, the SPIFFE ID as a URI");
    }

    @Test
    void aCsrWhoseSignatureDoesNotVerifyIsRefused() throws Exception {
        CertificateAuthority ca = open();
        KeyPair claimed = Csr.generateKeyPair();
        KeyPair signer = Csr.generateKeyPair();
        Csr forged = Csr.fromDer(new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]),
                claimed.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA")
                        .build(signer.getPrivate())).getEncoded());

        assertThatThrownBy(() -> ca.issue(CHAT, forged))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("its signature does not verify with its public key");
    }

    @Test
    void keysOtherThanP256OrRsa2048AreRefused() throws Exception {
        CertificateAuthority ca = open();
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));

        assertThatThrownBy(() -> ca.issue(CHAT, Csr.create(p384.generateKeyPair(), CHAT)))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("the EC key is not on curve P-256");
        assertThatThrownBy(() -> ca.issue(CHAT, Csr.create(TestPki.rsaKey(1024), CHAT)))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("the RSA key has 1024 bits (at least 2048)");
    }

    @Test
    void anRsaKeyAlsoGetsKeyEncipherment() throws Exception {
        CertificateAuthority ca = open();

        Svid svid = ca.issue(CHAT, Csr.create(TestPki.rsaKey(2048), CHAT));

        assertThat(svid.certificate().getKeyUsage()).startsWith(true, false, true, false, false, false, false);
        assertChainsTo(svid, ca.bundle(), clock.instant());
    }

    @Test
    void anIdentityOfAnotherTrustDomainIsRefused() throws Exception {
        CertificateAuthority ca = open();
        SpiffeId foreign = new SpiffeId("other.org", "default", "chat");

        assertThatThrownBy(() -> ca.issue(foreign, Csr.create(Csr.generateKeyPair(), foreign)))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("spiffe://other.org/ns/default/sa/chat is not in trust domain example.org");
    }

    @Test
    void garbageIsNotACsr() {
        assertThatThrownBy(() -> Csr.fromDer(new byte[] {1, 2, 3}))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("not a DER-encoded PKCS#10 request");
        assertThatThrownBy(() -> Csr.fromPem("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))
                .isInstanceOf(CsrRejectedException.class);
    }

    @Test
    void aCsrSurvivesPemAndDer() throws Exception {
        Csr csr = Csr.create(Csr.generateKeyPair(), CHAT);

        assertThat(Csr.fromPem(csr.pem()).der()).isEqualTo(csr.der());
        assertThat(csr.pem()).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
    }

    @Test
    void aRestartKeepsTheRootAndTheBundle() throws Exception {
        CertificateAuthority first = open();
        Svid svid = first.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT));

        CertificateAuthority again = open();

        assertThat(again.issuerChain()).isEqualTo(first.issuerChain());
        assertThat(again.bundle()).isEqualTo(first.bundle());
        assertChainsTo(svid, again.bundle(), clock.instant());
        assertChainsTo(again.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT)), first.bundle(), clock.instant());
    }

    @Test
    void signingIsRateLimitedWithATimeToRetry() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock)
                .signingRate(1, 2).open();

        ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT));
        ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT));
        RateLimitedException refused = catchThrowableOfType(RateLimitedException.class,
                () -> ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT)));

        assertThat(refused).isNotNull();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(1));

        clock.advance(refused.retryAfter());
        assertThat(ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT)).spiffeId()).isEqualTo(CHAT);
    }

    /** Validates the SVID's chain with the JDK's PKIX validator against the bundle's roots. */
    static void assertChainsTo(Svid svid, TrustBundle bundle, Instant at) throws Exception {
        PKIXParameters parameters = new PKIXParameters(bundle.trustAnchors());
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(svid.chain()), parameters);
    }

    private static byte[] keyIdentifier(X509Certificate certificate, ASN1ObjectIdentifier oid) {
        byte[] octets = ASN1OctetString.getInstance(certificate.getExtensionValue(oid.getId())).getOctets();
        return oid.equals(Extension.authorityKeyIdentifier)
                ? AuthorityKeyIdentifier.getInstance(octets).getKeyIdentifierObject().getOctets()
                : SubjectKeyIdentifier.getInstance(octets).getKeyIdentifier();
    }
}
