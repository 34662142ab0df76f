package dev.weft.controlplane.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Csr;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import dev.weft.ca.SvidVerificationException;
import dev.weft.ca.SvidVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlPlaneIdentityTest {

    private static final SpiffeId CHAT = new SpiffeId("cluster.local", "default", "chat");

    @TempDir
    Path temp;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private ControlPlaneIdentity identity;
    private SSLServerSocket server;
    private Thread acceptor;

    @AfterEach
    void tearDown() throws Exception {
        if (identity != null) {
            identity.close();
        }
        if (server != null) {
            server.close();
            acceptor.join(5000);
        }
        scheduler.shutdownNow();
    }

    private CertificateAuthority ca(Duration svidLifetime) throws Exception {
        return CertificateAuthority.builder(temp.resolve("ca"), "cluster.local").svidLifetime(svidLifetime).open();
    }

    @Test
    void theCertificateIsTheControlPlanesSvidAlsoNamingLocalhostAndTheBindAddress() throws Exception {
        CertificateAuthority ca = ca(Duration.ofHours(1));

        identity = ControlPlaneIdentity.forBindHosts(ca, List.of("127.0.0.1", "cp.example"), Clock.systemUTC(),
                scheduler);

        SpiffeId expected = SpiffeId.parse("spiffe://cluster.local/ns/weft-system/sa/weft-control-plane");
        assertThat(identity.id()).isEqualTo(expected);
        X509Certificate leaf = identity.svid().certificate();
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, expected.toString()),
                List.of(2, "localhost"), List.of(2, "cp.example"), List.of(7, "127.0.0.1"));
        assertThat(new SvidVerifier(ca.bundle(), "cluster.local").verify(
                identity.svid().chain().toArray(X509Certificate[]::new), SvidVerifier.PeerRole.SERVER,
                Instant.now(), expected)).isEqualTo(expected);
    }

    @Test
    void aWildcardBindAddressStandsForTheLoopbackAndTheHostsAddresses() {
        ServingNames names = ServingNames.of(List.of("0.0.0.0"));

        assertThat(names.dnsNames()).containsExactly("localhost");
        assertThat(names.addresses()).contains(InetAddress.getLoopbackAddress());
        assertThat(names.addresses()).noneMatch(InetAddress::isAnyLocalAddress);
    }

    @Test
    void aNewHandshakeGetsTheReissuedCertificateAndChecksTheHostName() throws Exception {
        CertificateAuthority ca = ca(Duration.ofHours(1));
        identity = ControlPlaneIdentity.forBindHosts(ca, List.of("127.0.0.1"), Clock.systemUTC(), scheduler);
        int port = serve(identity);
        X509Certificate first = identity.svid().certificate();

        assertThat(handshake(ca, "localhost", port)).isEqualTo(first);
        Svid second = identity.reissue();

        assertThat(second.certificate()).isNotEqualTo(first);
        assertThat(second.certificate().getPublicKey()).isNotEqualTo(first.getPublicKey());
        assertThat(handshake(ca, "localhost", port)).isEqualTo(second.certificate());
    }

    @Test
    void theCertificateIsRenewedAtHalfItsLifetime() throws Exception {
        CertificateAuthority ca = ca(Duration.ofSeconds(2));
        Instant before = Instant.now();
        identity = ControlPlaneIdentity.forBindHosts(ca, List.of("127.0.0.1"), Clock.systemUTC(), scheduler);
        Svid first = identity.svid();

        await().atMost(Duration.ofSeconds(10)).until(() -> !identity.svid().equals(first));

        // not before half of what was left of the first certificate's validity when it was issued
        Instant halfLife = before.plus(Duration.between(before, first.notAfter()).dividedBy(2));
        assertThat(Instant.now()).isAfterOrEqualTo(halfLife);
        assertThat(identity.svid().notAfter()).isAfter(first.notAfter());
    }

    @Test
    void afterRootActivationTheReissuedCertificateComesFromTheNewRoot() throws Exception {
        CertificateAuthority ca = ca(Duration.ofHours(1));
        identity = ControlPlaneIdentity.forBindHosts(ca, List.of("127.0.0.1"), Clock.systemUTC(), scheduler);
        X509Certificate oldRoot = ca.issuerChain().get(0);
        X509Certificate newRoot = ca.rotateRootAdd();
        ca.rotateRootActivate();

        assertThat(identity.svid().certificate().getIssuerX500Principal())
                .isEqualTo(oldRoot.getSubjectX500Principal());
        identity.reissue();

        assertThat(identity.svid().certificate().getIssuerX500Principal())
                .isEqualTo(newRoot.getSubjectX500Principal());
        identity.svid().certificate().verify(newRoot.getPublicKey());
    }

    @Test
    void theTrustManagerAcceptsSvidsOfEitherRootDuringARotation() throws Exception {
        CertificateAuthority ca = ca(Duration.ofHours(1));
        identity = ControlPlaneIdentity.forBindHosts(ca, List.of("127.0.0.1"), Clock.systemUTC(), scheduler);
        X509Certificate[] fromOld = chain(ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT)));
        ca.rotateRootAdd();
        ca.rotateRootActivate();
        X509Certificate[] fromNew = chain(ca.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT)));

        identity.trustManager().checkClientTrusted(fromOld, "ECDHE_ECDSA");
        identity.trustManager().checkClientTrusted(fromNew, "ECDHE_ECDSA");
        assertThat(identity.verifyClient(fromNew)).isEqualTo(CHAT);
        assertThat(identity.trustManager().getAcceptedIssuers()).hasSize(2);

        ca.rotateRootRemoveOld();
        assertThatThrownBy(() -> identity.trustManager().checkClientTrusted(fromOld, "ECDHE_ECDSA"))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(SvidVerificationException.Failure.UNTRUSTED));
    }

    @Test
    void theTrustManagerRefusesAnotherTrustDomainAndAnotherCa() throws Exception {
        CertificateAuthority ca = ca(Duration.ofHours(1));
        identity = ControlPlaneIdentity.forBindHosts(ca, List.of("127.0.0.1"), Clock.systemUTC(), scheduler);
        SpiffeId foreign = new SpiffeId("other.org", "default", "chat");
        CertificateAuthority otherDomain = CertificateAuthority.builder(temp.resolve("other"), "other.org").open();
        CertificateAuthority otherCa = CertificateAuthority.builder(temp.resolve("rogue"), "cluster.local").open();

        assertThatThrownBy(() -> identity.trustManager().checkClientTrusted(
                chain(otherDomain.issue(foreign, Csr.create(Csr.generateKeyPair(), foreign))), "ECDHE_ECDSA"))
                .isInstanceOfSatisfying(SvidVerificationException.class, e -> assertThat(e.failure())
                        .isEqualTo(SvidVerificationException.Failure.WRONG_TRUST_DOMAIN));
        assertThatThrownBy(() -> identity.trustManager().checkClientTrusted(
                chain(otherCa.issue(CHAT, Csr.create(Csr.generateKeyPair(), CHAT))), "ECDHE_ECDSA"))
                .isInstanceOfSatisfying(SvidVerificationException.class,
                        e -> assertThat(e.failure()).isEqualTo(SvidVerificationException.Failure.UNTRUSTED));
    }

    private static X509Certificate[] chain(Svid svid) {
        return svid.chain().toArray(X509Certificate[]::new);
    }

    /** A TLS server on loopback with the identity's JDK context, answering each handshake and closing. */
    private int serve(ControlPlaneIdentity identity) throws IOException {
        SSLContext context = identity.sslContext();
        server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        server.setSSLParameters(identity.serverParameters(true));
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try (SSLSocket socket = (SSLSocket) server.accept()) {
                    socket.startHandshake();
                    InputStream in = socket.getInputStream();
                    in.read();
                } catch (IOException e) {
                    // the client closed, or the server socket was closed by tearDown
                }
            }
        }, "tls-test-server");
        acceptor.start();
        return server.getLocalPort();
    }

    /** The certificate a client trusting only the CA's bundle and checking {@code host} is served. */
    private static X509Certificate handshake(CertificateAuthority ca, String host, int port) throws Exception {
        KeyStore roots = KeyStore.getInstance("PKCS12");
        roots.load(null, null);
        for (int i = 0; i < ca.bundle().roots().size(); i++) {
            roots.setCertificateEntry("root" + i, ca.bundle().roots().get(i));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(roots);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, trust.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(host, port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
