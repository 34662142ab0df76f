package dev.weft.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ca.SvidVerifier.PeerRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootRotationTest {

    private static final SpiffeId CHAT = new SpiffeId("example.org", "default", "chat");

    @TempDir
    Path temp;

    private final TestClock clock = new TestClock();

    private CertificateAuthority open() throws CaException {
        return CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock).open();
    }

    @Test
    void rotatesInThreeStepsEachSurvivingARestart() throws Exception {
        CertificateAuthority ca = open();
        X509Certificate oldRoot = ca.issuerChain().get(0);
        Svid oldLeaf = issue(ca);

        // step 1: the new root is trusted, issuing goes on from the old one
        X509Certificate newRoot = ca.rotateRootAdd();
        ca = open();
        assertThat(ca.bundle().roots()).containsExactly(oldRoot, newRoot);
        assertThat(ca.issuerChain()).containsExactly(oldRoot);
        assertThat(ca.pendingIssuer()).contains(newRoot);
        assertThat(issue(ca).certificate().getIssuerX500Principal()).isEqualTo(oldRoot.getSubjectX500Principal());

        // step 2: issuing switches to the new root; leaves of both roots verify
        ca.rotateRootActivate();
        ca = open();
        assertThat(ca.issuerChain()).containsExactly(newRoot);
        assertThat(ca.pendingIssuer()).isEmpty();
        assertThat(ca.bundle().roots()).containsExactly(oldRoot, newRoot);
        Svid newLeaf = issue(ca);
        assertThat(newLeaf.certificate().getIssuerX500Principal()).isEqualTo(newRoot.getSubjectX500Principal());
        SvidVerifier overlap = new SvidVerifier(ca.bundle(), "example.org");
        assertThat(verify(overlap, oldLeaf)).isEqualTo(CHAT);
        assertThat(verify(overlap, newLeaf)).isEqualTo(CHAT);

        // step 3: the old root leaves the bundle; its leaves are refused, the new ones still verify
        assertThat(ca.rotateRootRemoveOld()).containsExactly(oldRoot);
        ca = open();
        assertThat(ca.bundle().roots()).containsExactly(newRoot);
        assertThat(ca.issuerChain()).containsExactly(newRoot);
        assertThat(Files.list(temp.resolve("ca/issuers")).map(p -> p.getFileName().toString())).containsExactly("2");
        SvidVerifier after = new SvidVerifier(ca.bundle(), "example.org");
        assertThat(verify(after, newLeaf)).isEqualTo(CHAT);
        assertThatThrownBy(() -> verify(after, oldLeaf))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(SvidVerificationException.Failure.UNTRUSTED));
    }

    @Test
    void stepsOutOfOrderAreRefused() throws Exception {
        CertificateAuthority ca = open();

        assertThatThrownBy(ca::rotateRootActivate).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no new root to activate");
        assertThatThrownBy(ca::rotateRootRemoveOld).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no old root to remove");
        ca.rotateRootAdd();
        assertThatThrownBy(ca::rotateRootAdd).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is already added; activate it first");
    }

    @Test
    void anAddInterruptedBeforeTheBundleWasWrittenIsUndoneAtStart() throws Exception {
        CertificateAuthority ca = open();
        String bundleBefore = Files.readString(temp.resolve("ca/bundle.pem"));
        ca.rotateRootAdd();
        // as if the process died after storing the new issuer but before the bundle named its root
        Files.writeString(temp.resolve("ca/bundle.pem"), bundleBefore);

        CertificateAuthority restarted = open();

        assertThat(restarted.pendingIssuer()).isEmpty();
        assertThat(restarted.bundle().roots()).hasSize(1);
        assertThat(temp.resolve("ca/issuers/2")).doesNotExist();
        restarted.rotateRootAdd();
        assertThat(restarted.pendingIssuer()).isPresent();
    }

    @Test
    void aRemovalInterruptedBeforeTheOldIssuerWasDeletedFinishesAtStart() throws Exception {
        CertificateAuthority ca = open();
        ca.rotateRootAdd();
        ca.rotateRootActivate();
        ca.rotateRootRemoveOld();
        // an issuer older than the active one whose root the bundle no longer holds, as an interrupted removal
        // leaves it
        CertificateAuthority.builder(temp.resolve("copy"), "example.org").clock(clock).open();
        Files.move(temp.resolve("copy/issuers/1"), temp.resolve("ca/issuers/1"));

        CertificateAuthority restarted = open();

        assertThat(temp.resolve("ca/issuers/1")).doesNotExist();
        assertThat(restarted.bundle().roots()).hasSize(1);
    }

    private static Svid issue(CertificateAuthority ca) throws Exception {
        return ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT));
    }

    private SpiffeId verify(SvidVerifier verifier, Svid svid) throws SvidVerificationException {
        return verifier.verify(svid.chain().toArray(X509Certificate[]::new), PeerRole.CLIENT, clock.instant());
    }
}
