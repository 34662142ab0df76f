package dev.weft.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Handshakes in memory between contexts built by {@link TlsContextFactory}, with BoringSSL and with the JDK
 * provider: a listener requiring SPIFFE client certificates accepts an SVID of its trust domain and refuses every
 * certificate that is not one; a cluster checks the server against its SAN matchers.
 */
class PeerVerificationTest {
    @TempDir
    static Path dir;
    static MeshPki pki;
    static MeshPki otherRoot;

    @BeforeAll
    static void pki() throws Exception {
        pki = MeshPki.open(dir.resolve("ca"), MeshPki.TRUST_DOMAIN);
        // the same trust domain, but a root the mesh does not trust
        otherRoot = MeshPki.open(dir.resolve("untrusted"), MeshPki.TRUST_DOMAIN);
    }

    static Stream<SslProvider> providers() {
        return OpenSsl.isAvailable() ? Stream.of(SslProvider.OPENSSL, SslProvider.JDK) : Stream.of(SslProvider.JDK);
    }

    static Stream<Arguments> refusedClients() throws Exception {
        Instant now = Instant.now();
        String id = pki.id("default", "ratings");
        List<Arguments> cases = List.of(
                Arguments.of("two URI SANs", pki.leaf().uri(id).uri(pki.id("default", "reviews")).build(), "MULTIPLE_URI_SANS"),
                Arguments.of("a CA certificate as leaf", pki.leaf().uri(id).ca().build(), "LEAF_IS_CA"),
                Arguments.of("an expired certificate", pki.leaf().uri(id)
                        .validity(now.minusSeconds(7200), now.minusSeconds(3600)).build(), "EXPIRED"),
                Arguments.of("another trust domain", pki.leaf().uri("spiffe://other.example/ns/default/sa/ratings").build(),
                        "WRONG_TRUST_DOMAIN"),
                Arguments.of("an untrusted root", otherRoot.svid("default", "ratings"), "UNTRUSTED"),
                Arguments.of("no URI SAN", pki.leaf().build(), "NO_URI_SAN"));
        return providers().flatMap(p -> cases.stream().map(c -> Arguments.of(p, c.get()[0], c.get()[1], c.get()[2])));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("refusedClients")
    void listenerRefusesAClientCertificateThatIsNotAnSvidOfItsTrustDomain(SslProvider provider, String what,
            Credential client, String failure) throws Exception {
        SecretStore store = serverStore();
        SslContext server = TlsContextFactory.server(serverSettings(), store, provider);
        SslContext good = TlsContextFactory.client(clientSettings(pki.svid("default", "ratings"), List.of()), store, provider);
        SslContext bad = TlsContextFactory.client(clientSettings(client, List.of()), store, provider);

        SSLEngine accepted = server.newEngine(ByteBufAllocator.DEFAULT);
        Handshakes.run(good.newEngine(ByteBufAllocator.DEFAULT), accepted);
        assertThat(accepted.getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(ValidationSecret.uriSans((X509Certificate) accepted.getSession().getPeerCertificates()[0]))
                .containsExactly(pki.id("default", "ratings"));

        assertThatThrownBy(() -> Handshakes.run(bad.newEngine(ByteBufAllocator.DEFAULT), server.newEngine(ByteBufAllocator.DEFAULT)))
                .as(what)
                .isInstanceOf(SSLException.class);
        // the reason, as the trust manager said it
        assertThatThrownBy(() -> store.validation(Secrets.ROOTCA).verify(client.chain().toArray(new X509Certificate[0]),
                dev.weft.ca.SvidVerifier.PeerRole.CLIENT, "ECDHE_ECDSA", Instant.now()))
                .hasMessageContaining(failure);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void clusterRefusesAServerOfAnotherServiceOfTheMesh(SslProvider provider) throws Exception {
        SecretStore store = serverStore();
        SslContext server = TlsContextFactory.server(serverSettings(), store, provider);
        Credential ratings = pki.svid("default", "ratings");

        SslContext expectsReviews = TlsContextFactory.client(clientSettings(ratings,
                List.of(SanMatcher.uriExact(pki.id("default", "reviews")))), store, provider);
        SslContext expectsDetails = TlsContextFactory.client(clientSettings(ratings,
                List.of(SanMatcher.uriExact(pki.id("default", "details")))), store, provider);

        Handshakes.run(expectsReviews.newEngine(ByteBufAllocator.DEFAULT), server.newEngine(ByteBufAllocator.DEFAULT));
        assertThatThrownBy(() -> Handshakes.run(expectsDetails.newEngine(ByteBufAllocator.DEFAULT),
                server.newEngine(ByteBufAllocator.DEFAULT))).isInstanceOf(SSLException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void aNewCertificateIsPresentedFromTheNextHandshakeOn(SslProvider provider) throws Exception {
        SecretStore store = serverStore();
        SslContext server = TlsContextFactory.server(serverSettings(), store, provider);
        SslContext client = TlsContextFactory.client(clientSettings(pki.svid("default", "ratings"), List.of()), store, provider);

        SSLEngine first = client.newEngine(ByteBufAllocator.DEFAULT);
        Handshakes.run(first, server.newEngine(ByteBufAllocator.DEFAULT));
        Credential renewed = pki.svid("default", "reviews");
        store.provideLocally(Secrets.DEFAULT, renewed.secret(Secrets.DEFAULT));
        SSLEngine second = client.newEngine(ByteBufAllocator.DEFAULT);
        Handshakes.run(second, server.newEngine(ByteBufAllocator.DEFAULT));

        assertThat(serial(first)).isNotEqualTo(serial(second));
        assertThat(serial(second)).isEqualTo(renewed.leaf().getSerialNumber());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void withoutItsSecretsAListenerFailsEveryHandshake(SslProvider provider) throws Exception {
        SecretStore store = new SecretStore();
        SslContext server = TlsContextFactory.server(serverSettings(), store, provider);
        SslContext client = TlsContextFactory.client(clientSettings(pki.svid("default", "ratings"), List.of()), store, provider);

        assertThatThrownBy(() -> Handshakes.run(client.newEngine(ByteBufAllocator.DEFAULT), server.newEngine(ByteBufAllocator.DEFAULT)))
                .isInstanceOf(SSLException.class);
    }

    private static java.math.BigInteger serial(SSLEngine client) throws Exception {
        return ((X509Certificate) client.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    private static SecretStore serverStore() throws Exception {
        SecretStore store = new SecretStore();
        store.provideLocally(Secrets.DEFAULT, pki.svid("default", "reviews").secret(Secrets.DEFAULT));
        store.provideLocally(Secrets.ROOTCA, pki.rootCa());
        return store;
    }

    private static TlsSettings serverSettings() {
        return new TlsSettings(Secrets.DEFAULT, null, Secrets.ROOTCA, null, List.of(), List.of("TLSv1.3", "TLSv1.2"),
                List.of("h2", "http/1.1"), true);
    }

    /** A client presenting {@code credential}, verifying the server against ROOTCA and {@code sans}. */
    private static TlsSettings clientSettings(Credential credential, List<SanMatcher> sans) {
        return new TlsSettings(null, CertificateSecret.of("client", credential.chain(), credential.key()),
                Secrets.ROOTCA, null, sans, List.of("TLSv1.3", "TLSv1.2"), List.of("http/1.1"), false);
    }

}
