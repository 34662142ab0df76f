package dev.weft.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ca.JoinTokenRefusedException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class JoinTokensTest {

    private static final SpiffeId CHAT = new SpiffeId("example.org", "default", "chat");

    @TempDir
    Path temp;

    private final TestClock clock = new TestClock();

    private JoinTokens open() throws CaException {
        return JoinTokens.open(temp.resolve("join-tokens"), clock);
    }

    @Test
    void aValidTokenIsAcceptedOnceThenRefusedAsReused() throws Exception {
        JoinTokens tokens = open();
        String token = tokens.create("default", "chat", Duration.ofMinutes(10));

        tokens.redeem(token, CHAT);

        assertRefused(() -> tokens.redeem(token, CHAT), Reason.REUSED)
                .hasMessageContaining("already used at " + clock.instant());
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        JoinTokens tokens = open();
        String token = tokens.create("default", "chat", Duration.ofMinutes(10));

        clock.advance(Duration.ofMinutes(10));

        assertRefused(() -> tokens.redeem(token, CHAT), Reason.EXPIRED)
                .hasMessageContaining("expired at " + clock.instant());
    }

    @Test
    void aTokenForAnotherIdentityIsRefusedAndStaysUsableByItsOwn() throws Exception {
        JoinTokens tokens = open();
        String token = tokens.create("default", "chat", Duration.ofMinutes(10));

        assertRefused(() -> tokens.redeem(token, new SpiffeId("example.org", "default", "admin")),
                Reason.IDENTITY_MISMATCH)
                .hasMessageContaining("for namespace default, account chat, not for "
                        + "spiffe://example.org/ns/default/sa/admin");
        assertRefused(() -> tokens.redeem(token, new SpiffeId("example.org", "prod", "chat")),
                Reason.IDENTITY_MISMATCH);

        tokens.redeem(token, CHAT);
    }

    @Test
    void anUnknownTokenIsRefused() throws Exception {
        JoinTokens tokens = open();
        tokens.create("default", "chat", Duration.ofMinutes(10));

        assertRefused(() -> tokens.redeem("not-a-token", CHAT), Reason.UNKNOWN);
        assertRefused(() -> tokens.redeem("", CHAT), Reason.UNKNOWN);
    }

    @Test
    void tokensAreLongRandomAndStoredOnlyAsHashes() throws Exception {
        JoinTokens tokens = open();

        String a = tokens.create("default", "chat", Duration.ofMinutes(10));
        String b = tokens.create("default", "chat", Duration.ofMinutes(10));

        assertThat(a).hasSize(43).matches("[A-Za-z0-9_-]+").isNotEqualTo(b);
        String stored = Files.readString(temp.resolve("join-tokens"));
        assertThat(stored).doesNotContain(a).doesNotContain(b).contains("default chat");
        assertThat(tokens.redeemable()).isEqualTo(2);
    }

    @Test
    void aRestartKeepsUnusedTokensRedeemableAndUsedOnesSpent() throws Exception {
        JoinTokens before = open();
        String unused = before.create("default", "chat", Duration.ofMinutes(10));
        String used = before.create("default", "chat", Duration.ofMinutes(10));
        before.redeem(used, CHAT);

        JoinTokens after = open();

        assertRefused(() -> after.redeem(used, CHAT), Reason.REUSED);
        after.redeem(unused, CHAT);
        assertRefused(() -> open().redeem(unused, CHAT), Reason.REUSED);
    }

    @Test
    void tokensArePrunedADayAfterTheyExpire() throws Exception {
        JoinTokens tokens = open();
        String old = tokens.create("default", "chat", Duration.ofMinutes(1));

        clock.advance(Duration.ofHours(JoinTokens.RETENTION_HOURS).plusMinutes(2));
        tokens.create("default", "other", Duration.ofMinutes(1));

        assertRefused(() -> tokens.redeem(old, CHAT), Reason.UNKNOWN);
        assertThat(Files.readString(temp.resolve("join-tokens"))).doesNotContain("default chat");
    }

    @Test
    void badArgumentsAreRefusedWithTheirName() throws Exception {
        JoinTokens tokens = open();

        assertThatThrownBy(() -> tokens.create("default", "a b", Duration.ofMinutes(1)))
                .hasMessageContaining("the account \"a b\" has U+0020");
        assertThatThrownBy(() -> tokens.create("default", "chat", Duration.ZERO))
                .hasMessage("ttl: PT0S (expected: > 0)");
    }

    @Test
    void aCorruptFileIsNamedWithTheLine() throws Exception {
        Files.writeString(temp.resolve("join-tokens"), "# header\nnot a token line\n");

        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessageStartingWith(temp.resolve("join-tokens") + ": line 2: ");
    }

    @Test
    void theCaIssuesToAJoiningWorkloadOnceForTheIdentityOfItsToken() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder(temp.resolve("ca"), "example.org").clock(clock).open();
        String token = ca.joinTokens().create("default", "chat", Duration.ofMinutes(10));
        Csr unnamed = TestPki.unnamedCsr(Csr.generateKeyPair());
        SpiffeId admin = new SpiffeId("example.org", "default", "admin");

        // requests refused for other reasons do not spend the token
        assertThatThrownBy(() -> ca.issueWithJoinToken(token, unnamed))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("the CSR names no identity");
        assertRefused(() -> ca.issueWithJoinToken(token, Csr.create(Csr.generateKeyPair(), admin)),
                Reason.IDENTITY_MISMATCH);

        Svid svid = ca.issueWithJoinToken(token, Csr.create(Csr.generateKeyPair(), CHAT));

        assertThat(svid.spiffeId()).isEqualTo(CHAT);
        assertRefused(() -> ca.issueWithJoinToken(token, Csr.create(Csr.generateKeyPair(), CHAT)), Reason.REUSED);
        CertificateAuthority restarted = CertificateAuthority.builder(temp.resolve("ca"), "example.org")
                .clock(clock).open();
        assertRefused(() -> restarted.issueWithJoinToken(token, Csr.create(Csr.generateKeyPair(), CHAT)),
                Reason.REUSED);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(Executable redeem, Reason reason) {
        return assertThatThrownBy(redeem::execute)
                .isInstanceOfSatisfying(JoinTokenRefusedException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageStartingWith("join token refused (" + reason + "): ");
    }
}
