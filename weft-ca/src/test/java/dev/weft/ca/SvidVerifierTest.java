package dev.weft.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ca.SvidVerificationException.Failure;
import dev.weft.ca.SvidVerifier.PeerRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.assertj.core.api.AbstractThrowableAssert;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SvidVerifierTest {

    private static final SpiffeId CHAT = new SpiffeId("example.org", "default", "chat");

    @TempDir
    Path temp;

    private final TestClock clock = new TestClock();
    private final Instant now = clock.instant();
    private CertificateAuthority ca;
    private X509Certificate root;
    private SvidVerifier verifier;

    @BeforeEach
    void setUp() throws Exception {
        ca = CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock).open();
        root = ca.issuerChain().get(0);
        verifier = new SvidVerifier(ca.bundle(), "example.org");
    }

    @Test
    void acceptsAnIssuedSvidInBothRolesAndReturnsItsIdentity() throws Exception {
        X509Certificate[] chain = issue(CHAT);

        assertThat(verifier.verify(chain, PeerRole.CLIENT, now)).isEqualTo(CHAT);
        assertThat(verifier.verify(chain, PeerRole.SERVER, now, CHAT)).isEqualTo(CHAT);
    }

    @Test
    void acceptsAChainThatAlsoCarriesTheRoot() throws Exception {
        X509Certificate[] chain = {issue(CHAT)[0], root};

        assertThat(verifier.verify(chain, PeerRole.SERVER, now)).isEqualTo(CHAT);
    }

    @Test
    void refusesALeafWithTwoUriSans() throws Exception {
        X509Certificate leaf = leaf().uri(CHAT.toString()).uri("spiffe://example.org/ns/default/sa/admin")
                .signedBy(root, rootKey());

        assertRefused(leaf, Failure.MULTIPLE_URI_SANS).hasMessageContaining("2 URI subject alternative names");
    }

    @Test
    void refusesALeafWithoutAUriSan() throws Exception {
        X509Certificate leaf = leaf().signedBy(root, rootKey());

        assertRefused(leaf, Failure.NO_URI_SAN);
    }

    @Test
    void refusesACaCertificateAsLeaf() throws Exception {
        X509Certificate leaf = leaf().uri(CHAT.toString()).ca().signedBy(root, rootKey());

        assertRefused(leaf, Failure.LEAF_IS_CA);
    }

    @Test
    void refusesAnExpiredLeaf() throws Exception {
        X509Certificate[] chain = issue(CHAT);

        assertThatThrownBy(() -> verifier.verify(chain, PeerRole.SERVER, now.plus(Duration.ofHours(25))))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(Failure.EXPIRED))
                .hasMessageContaining("the leaf expired at " + now.plus(Duration.ofHours(24)));
    }

    @Test
    void refusesALeafNotValidYet() throws Exception {
        X509Certificate leaf = new TestPki.Leaf(TestPki.ecKey().getPublic(), now.plusSeconds(60),
                now.plusSeconds(3600)).uri(CHAT.toString()).signedBy(root, rootKey());

        assertRefused(leaf, Failure.NOT_YET_VALID);
    }

    @Test
    void refusesAnIdentityOfAnotherTrustDomain() throws Exception {
        X509Certificate leaf = leaf().uri("spiffe://evil.org/ns/default/sa/chat").signedBy(root, rootKey());

        assertRefused(leaf, Failure.WRONG_TRUST_DOMAIN)
                .hasMessageContaining("spiffe://evil.org/ns/default/sa/chat is not in trust domain example.org");
    }

    @Test
    void refusesAUriThatIsNotASpiffeId() throws Exception {
        X509Certificate leaf = leaf().uri("https://example.org/chat").signedBy(root, rootKey());

        assertRefused(leaf, Failure.INVALID_SPIFFE_ID).hasMessageContaining("must start with \"spiffe://\"");
    }

    @Test
    void refusesASvidFromAnUntrustedRoot() throws Exception {
        CertificateAuthority stranger = CertificateAuthority.builder(temp.resolve("stranger"), "example.org")
                .clock(clock).open();
        Svid svid = stranger.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT));

        assertThatThrownBy(() -> verifier.verify(svid.chain().toArray(X509Certificate[]::new), PeerRole.SERVER, now))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(Failure.UNTRUSTED));
    }

    @Test
    void refusesALeafSignedByAnImpostorOfTheRoot() throws Exception {
        // same issuer name as the trusted root, different key
        KeyPair impostorKey = TestPki.ecKey();
        X509Certificate leaf = leaf().uri(CHAT.toString()).signedBy(root, impostorKey.getPrivate());

        assertRefused(leaf, Failure.UNTRUSTED);
    }

    @Test
    void refusesTheWrongExpectedIdentity() throws Exception {
        X509Certificate[] chain = issue(CHAT);
        SpiffeId expected = new SpiffeId("example.org", "default", "embeddings");

        assertThatThrownBy(() -> verifier.verify(chain, PeerRole.SERVER, now, expected))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(Failure.WRONG_IDENTITY))
                .hasMessageContaining("the peer is " + CHAT + ", expected " + expected);
    }

    @Test
    void refusesAServerOnlyCertificateForAClient() throws Exception {
        X509Certificate leaf = leaf().uri(CHAT.toString()).extendedKeyUsage(KeyPurposeId.id_kp_serverAuth)
                .signedBy(root, rootKey());

        assertThat(verifier.verify(new X509Certificate[] {leaf}, PeerRole.SERVER, now)).isEqualTo(CHAT);
        assertThatThrownBy(() -> verifier.verify(new X509Certificate[] {leaf}, PeerRole.CLIENT, now))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(Failure.EXTENDED_KEY_USAGE));
    }

    @Test
    void refusesAnEmptyChain() {
        assertThatThrownBy(() -> verifier.verify(new X509Certificate[0], PeerRole.SERVER, now))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(Failure.EMPTY_CHAIN));
    }

    @Test
    void isUsableFromManyThreadsAtOnce() throws Exception {
        X509Certificate[] chain = issue(CHAT);
        List<Thread> threads = new ArrayList<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        verifier.verify(chain, PeerRole.CLIENT, now, CHAT);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(30).toMillis());
            assertThat(thread.isAlive()).isFalse();
        }

        assertThat(failures).isEmpty();
    }

    private X509Certificate[] issue(SpiffeId id) throws Exception {
        return ca.issue(id, Csr.create(Csr.generateKeyPair(), id)).chain().toArray(X509Certificate[]::new);
    }

    private TestPki.Leaf leaf() {
        return new TestPki.Leaf(TestPki.ecKey().getPublic(), now.minusSeconds(10), now.plusSeconds(3600));
    }

    /** The CA's root key, read from its directory the way the CA itself reads it. */
    private PrivateKey rootKey() throws Exception {
        return Pem.privateKey(Files.readString(temp.resolve("ca/issuers/1/key.pem")));
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertRefused(X509Certificate leaf, Failure failure) {
        return assertThatThrownBy(() -> verifier.verify(new X509Certificate[] {leaf}, PeerRole.SERVER, now))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(failure));
    }
}
