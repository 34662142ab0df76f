package dev.weft.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ca.SvidVerifier.PeerRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorIssuerTest {

    private static final SpiffeId CHAT = new SpiffeId("example.org", "default", "chat");

    @TempDir
    Path temp;

    private final TestClock clock = new TestClock();
    private final Instant now = clock.instant();
    private KeyPair rootKey;
    private X509Certificate root;
    private KeyPair intermediateKey;
    private X509Certificate intermediate;
    private Path chainFile;
    private Path keyFile;

    @BeforeEach
    void setUp() throws Exception {
        rootKey = TestPki.ecKey();
        root = TestPki.root("Operator Root", rootKey, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)));
        intermediateKey = TestPki.ecKey();
        intermediate = TestPki.intermediate("Operator Intermediate", intermediateKey, root, rootKey.getPrivate(),
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
        chainFile = temp.resolve("chain.pem");
        keyFile = temp.resolve("key.pem");
    }

    private CertificateAuthority open() throws CaException {
        return CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock)
                .operatorIssuer(chainFile, keyFile).open();
    }

    @Test
    void leavesIssuedFromAnIntermediateChainThroughItToTheRoot() throws Exception {
        TestPki.writeIssuer(chainFile, keyFile, List.of(intermediate, root), intermediateKey.getPrivate());

        CertificateAuthority ca = open();
        Svid svid = ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT));

        assertThat(ca.bundle().roots()).containsExactly(root);
        assertThat(ca.issuerChain()).containsExactly(intermediate, root);
        assertThat(svid.chain()).hasSize(2);
        assertThat(svid.chain().get(1)).isEqualTo(intermediate);
        svid.certificate().verify(intermediate.getPublicKey());
        CertificateAuthorityTest.assertChainsTo(svid, ca.bundle(), now);
        SvidVerifier verifier = new SvidVerifier(ca.bundle(), "example.org");
        assertThat(verifier.verify(svid.chain().toArray(X509Certificate[]::new), PeerRole.SERVER, now))
                .isEqualTo(CHAT);
        // the leaf alone, without the intermediate, does not reach the root
        assertThatThrownBy(() -> verifier.verify(new X509Certificate[] {svid.certificate()}, PeerRole.SERVER, now))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(SvidVerificationException.Failure.UNTRUSTED));
    }

    @Test
    void anSvidFromAnIntermediateEndsWithTheIntermediate() throws Exception {
        TestPki.writeIssuer(chainFile, keyFile, List.of(intermediate, root), intermediateKey.getPrivate());
        CertificateAuthority ca = CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock)
                .operatorIssuer(chainFile, keyFile).open();

        clock.advance(Duration.ofDays(29).plusHours(12));
        Svid svid = ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT));

        assertThat(svid.notAfter()).isEqualTo(intermediate.getNotAfter().toInstant());
    }

    @Test
    void anOperatorRootIsUsedAsIs() throws Exception {
        TestPki.writeIssuer(chainFile, keyFile, List.of(root), rootKey.getPrivate());

        CertificateAuthority ca = open();

        assertThat(ca.issuerChain()).containsExactly(root);
        assertThat(ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT)).chain()).hasSize(1);
    }

    @Test
    void aRestartWithTheSameMaterialKeepsItAndOtherMaterialIsRefused() throws Exception {
        TestPki.writeIssuer(chainFile, keyFile, List.of(intermediate, root), intermediateKey.getPrivate());
        open();

        assertThat(open().issuerChain()).containsExactly(intermediate, root);

        TestPki.writeIssuer(chainFile, keyFile, List.of(root), rootKey.getPrivate());
        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessageStartingWith(chainFile + ": the CA directory ")
                .hasMessageContaining("change the issuer by root rotation");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedNamingTheKeyFile() throws Exception {
        TestPki.writeIssuer(chainFile, keyFile, List.of(intermediate, root), rootKey.getPrivate());

        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessage(keyFile + ": the private key does not belong to certificate 1 "
                        + "(CN=Operator Intermediate,O=Weft test) of " + chainFile);
    }

    @Test
    void aLeafCertificateCannotBeTheIssuer() throws Exception {
        KeyPair leafKey = TestPki.ecKey();
        X509Certificate leaf = new TestPki.Leaf(leafKey.getPublic(), now.minusSeconds(60), now.plusSeconds(3600))
                .uri(CHAT.toString()).signedBy(root, rootKey.getPrivate());
        TestPki.writeIssuer(chainFile, keyFile, List.of(leaf, root), leafKey.getPrivate());

        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessage(chainFile + ": certificate 1 (CN=test leaf) is not a CA certificate "
                        + "(basicConstraints CA:true missing)");
    }

    @Test
    void anExpiredIssuerIsRefused() throws Exception {
        X509Certificate expired = TestPki.intermediate("Expired", intermediateKey, root, rootKey.getPrivate(),
                now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)));
        TestPki.writeIssuer(chainFile, keyFile, List.of(expired, root), intermediateKey.getPrivate());

        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessageStartingWith(chainFile + ": certificate 1 (CN=Expired,O=Weft test) expired at ");
    }

    @Test
    void aChainWithoutItsRootIsRefused() throws Exception {
        TestPki.writeIssuer(chainFile, keyFile, List.of(intermediate), intermediateKey.getPrivate());

        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessage(chainFile + ": the chain ends at CN=Operator Intermediate,O=Weft test, which is not a "
                        + "self-signed root; append the root certificate");
    }

    @Test
    void aChainOutOfOrderIsRefused() throws Exception {
        TestPki.writeIssuer(chainFile, keyFile, List.of(root, intermediate), rootKey.getPrivate());

        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessageContaining("certificate 1 (CN=Operator Root,O=Weft test) is not signed by certificate 2");
    }

    @Test
    void aKeyFileReadableByOthersIsRefusedWithItsPermissions() throws Exception {
        TestPki.writeIssuer(chainFile, keyFile, List.of(intermediate, root), intermediateKey.getPrivate());
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessage(keyFile + ": the private key is accessible by group or others (permissions rw-r--r--); "
                        + "make it owner-only: chmod 600 " + keyFile);
        assertThat(temp.resolve("ca")).doesNotExist();
    }

    @Test
    void missingFilesAreNamed() {
        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessageStartingWith(chainFile + ": cannot read: java.nio.file.NoSuchFileException");
    }

    @Test
    void rotationCanMoveToAnOperatorIntermediate() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock).open();
        X509Certificate generatedRoot = ca.issuerChain().get(0);
        TestPki.writeIssuer(chainFile, keyFile, List.of(intermediate, root), intermediateKey.getPrivate());

        assertThat(ca.rotateRootAdd(chainFile, keyFile)).isEqualTo(intermediate);
        ca.rotateRootActivate();
        ca.rotateRootRemoveOld();

        assertThat(ca.bundle().roots()).containsExactly(root).doesNotContain(generatedRoot);
        CertificateAuthorityTest.assertChainsTo(ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT)),
                ca.bundle(), now);
        assertThat(CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock).open()
                .issuerChain()).containsExactly(intermediate, root);
    }
}
