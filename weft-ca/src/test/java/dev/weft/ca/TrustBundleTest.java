package dev.weft.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustBundleTest {

    private final Instant now = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void survivesPemWithItsOrder() throws Exception {
        X509Certificate a = root("A");
        X509Certificate b = root("B");
        TrustBundle bundle = TrustBundle.of(List.of(a, b, a));

        TrustBundle read = TrustBundle.fromPem(bundle.toPem());

        assertThat(read.roots()).containsExactly(a, b);
        assertThat(read).isEqualTo(bundle);
        assertThat(read.fingerprint()).hasSize(64).isEqualTo(bundle.fingerprint());
        assertThat(read.trustAnchors()).hasSize(2);
    }

    @Test
    void addsAndRemovesRoots() throws Exception {
        X509Certificate a = root("A");
        X509Certificate b = root("B");
        TrustBundle bundle = TrustBundle.of(List.of(a));

        TrustBundle both = bundle.with(b);

        assertThat(both.roots()).containsExactly(a, b);
        assertThat(both.with(b)).isSameAs(both);
        assertThat(both.without(a).roots()).containsExactly(b);
        assertThat(both.without(a).contains(a)).isFalse();
        assertThat(both).isNotEqualTo(bundle);
        assertThatThrownBy(() -> bundle.without(a)).hasMessageContaining("at least one root");
    }

    @Test
    void refusesWhatIsNotARootWithTheEntry() throws Exception {
        KeyPair key = TestPki.ecKey();
        X509Certificate root = root("A");
        X509Certificate leaf = new TestPki.Leaf(key.getPublic(), now, now.plusSeconds(60)).signedBy(root, key.getPrivate());

        assertThatThrownBy(() -> TrustBundle.of(List.of(root, leaf)))
                .hasMessage("certificate 2 (CN=test leaf) is not a CA certificate (basicConstraints CA:true missing)");
        assertThatThrownBy(() -> TrustBundle.fromPem("no pem here"))
                .hasMessage("no CERTIFICATE PEM block found");
        assertThatThrownBy(() -> TrustBundle.fromPem(Pem.encode(key.getPrivate())))
                .hasMessageStartingWith("PEM entry 1 is a ")
                .hasMessageEndingWith(", not a CERTIFICATE");
    }

    private X509Certificate root(String name) throws Exception {
        return TestPki.root(name, TestPki.ecKey(), now, now.plus(Duration.ofDays(1)));
    }
}
