package dev.weft.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.api.Kind;
import dev.weft.ca.Csr;
import dev.weft.ca.Pem;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.SvidVerifier;
import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ControlPlaneException;
import dev.weft.controlplane.client.IssuedCertificate;
import dev.weft.controlplane.client.JoinToken;
import dev.weft.controlplane.store.StateFile;
import dev.weft.controlplane.store.StoredState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Join tokens, CSR signing and the trust bundle over the HTTP API, with the control plane's CA on a fake clock. */
class IdentityApiTest {

    private static final SpiffeId CHAT = new SpiffeId("cluster.local", "default", "chat");

    @TempDir
    Path dataDir;

    private final TestClock clock = new TestClock();
    private ControlPlane controlPlane;
    private ControlPlaneClient client;

    @BeforeEach
    void start() throws Exception {
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0).withClock(clock)
                .withSvidLifetime(Duration.ofHours(1)));
        client = ControlPlaneClient.of("127.0.0.1", controlPlane.apiPort());
    }

    @AfterEach
    void stop() {
        controlPlane.close();
    }

    private static String meshConfig(String trustDomain) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec: {trustDomain: %s}
                """.formatted(trustDomain);
    }

    private static String csr(SpiffeId identity) {
        return Csr.create(Csr.generateKeyPair(), identity).pem();
    }

    @Test
    void aTokenAndACsrGetAnSvidThatVerifiesAgainstTheServedTrustBundle() throws Exception {
        // given
        JoinToken token = client.createToken("default", "chat", Duration.ofMinutes(10));
        assertThat(token.spiffeId()).isEqualTo("spiffe://cluster.local/ns/default/sa/chat");
        assertThat(token.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));

        // when
        IssuedCertificate issued = client.requestCertificate(token.token(), csr(CHAT));

        // then
        assertThat(issued.spiffeId()).isEqualTo(CHAT.toString());
        assertThat(issued.notAfter()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        String bundlePem = client.trustBundle();
        assertThat(issued.trustBundle()).isEqualTo(bundlePem);
        X509Certificate[] chain = Pem.certificates(issued.certificateChain()).toArray(X509Certificate[]::new);
        SvidVerifier verifier = new SvidVerifier(TrustBundle.fromPem(bundlePem), "cluster.local");
        assertThat(verifier.verify(chain, SvidVerifier.PeerRole.CLIENT, clock.instant(), CHAT)).isEqualTo(CHAT);
        assertThat(verifier.verify(chain, SvidVerifier.PeerRole.SERVER, clock.instant(), CHAT)).isEqualTo(CHAT);
    }

    @Test
    void theTrustBundleIsServedAsPem() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + controlPlane.apiPort() + "/v1/trust-bundle")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-pem-file");
        assertThat(response.body()).startsWith("-----BEGIN CERTIFICATE-----")
                .isEqualTo(controlPlane.certificateAuthority().bundle().toPem());
    }

    @Test
    void aTokenUsedTwiceIsRefusedAsReused() throws Exception {
        // given
        String token = client.createToken("default", "chat", Duration.ofMinutes(10)).token();
        client.requestCertificate(token, csr(CHAT));

        // when / then
        assertThatThrownBy(() -> client.requestCertificate(token, csr(CHAT)))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(403))
                .hasMessageContaining("REUSED");
    }

    @Test
    void anExpiredTokenIsRefusedAsExpired() throws Exception {
        // given
        String token = client.createToken("default", "chat", Duration.ofMinutes(10)).token();

        // when
        clock.advance(Duration.ofMinutes(10));

        // then
        assertThatThrownBy(() -> client.requestCertificate(token, csr(CHAT)))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(403))
                .hasMessageContaining("EXPIRED");
    }

    @Test
    void aTokenForAnotherIdentityIsRefusedAndStaysUsable() throws Exception {
        // given
        String token = client.createToken("default", "chat", Duration.ofMinutes(10)).token();

        // when / then
        assertThatThrownBy(() -> client.requestCertificate(token,
                csr(new SpiffeId("cluster.local", "default", "billing"))))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(403))
                .hasMessageContaining("IDENTITY_MISMATCH");
        assertThat(client.requestCertificate(token, csr(CHAT)).spiffeId()).isEqualTo(CHAT.toString());
    }

    @Test
    void anUnknownTokenIsRefused() {
        assertThatThrownBy(() -> client.requestCertificate("no-such-token", csr(CHAT)))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(403))
                .hasMessageContaining("UNKNOWN");
    }

    @Test
    void aCsrThatIsNotOneOrOfAnotherTrustDomainIsABadRequest() throws Exception {
        String token = client.createToken("default", "chat", Duration.ofMinutes(10)).token();

        assertThatThrownBy(() -> client.requestCertificate(token, "not a CSR"))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("certificate signing request refused");
        assertThatThrownBy(() -> client.requestCertificate(token,
                csr(new SpiffeId("example.org", "default", "chat"))))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("not in trust domain cluster.local");
        assertThat(client.requestCertificate(token, csr(CHAT)).spiffeId())
                .as("a refused request does not spend the token").isEqualTo(CHAT.toString());
    }

    @Test
    void signingBeyondTheRateLimitIsRefusedWithRetryAfter() throws Exception {
        // given: the clock stands still, so the bucket (burst 200) does not refill; refused tokens still cost a permit,
        // and the control plane's own certificate took one at start
        String valid = csr(CHAT);
        for (int i = 0; i < 199; i++) {
            assertThatThrownBy(() -> client.requestCertificate("no-such-token", valid))
                    .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(403));
        }
        String token = client.createToken("default", "chat", Duration.ofMinutes(10)).token();

        // when / then
        assertThatThrownBy(() -> client.requestCertificate(token, valid))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(1));
                })
                .hasMessageContaining("rate limit");

        clock.advance(Duration.ofSeconds(1));
        assertThat(client.requestCertificate(token, valid).spiffeId())
                .as("a rate-limited request does not spend the token").isEqualTo(CHAT.toString());
    }

    @Test
    void tokenRequestsAreChecked() {
        assertThatThrownBy(() -> client.createToken("Not_A/Namespace", "chat", Duration.ofMinutes(1)))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("namespace");
        assertThatThrownBy(() -> client.createToken("default", "chat", Duration.ZERO))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("ttl");
    }

    @Test
    void theTrustDomainCannotBeChangedUnderTheCa() throws Exception {
        // when / then: another trust domain is refused, naming the field
        assertThatThrownBy(() -> client.apply(Yaml.resources(meshConfig("example.org")), false))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("spec.trustDomain")
                .hasMessageContaining("issues for trust domain cluster.local");

        // the CA's own trust domain may be spelled out, and the MeshConfig deleted again
        client.apply(Yaml.resources(meshConfig("cluster.local")), false);
        assertThat(client.delete(Kind.MESH_CONFIG, null, "mesh")).isTrue();
    }

    @Test
    void aFirstStartIssuesForTheMeshConfigsTrustDomainAndALaterStartUnderAnotherFails() throws Exception {
        // given: a data directory whose state names example.org before the CA exists
        Path other = dataDir.resolve("other");
        new StateFile(other).write(new StoredState(1, Yaml.resources(meshConfig("example.org")), List.of()));

        // when
        try (ControlPlane exampleOrg = ControlPlane.start(ControlPlaneConfig.defaults(other).withPorts(0, 0)
                .withClock(clock))) {
            ControlPlaneClient exampleClient = ControlPlaneClient.of("127.0.0.1", exampleOrg.apiPort());
            JoinToken token = exampleClient.createToken("default", "chat", Duration.ofMinutes(1));

            // then
            assertThat(token.spiffeId()).isEqualTo("spiffe://example.org/ns/default/sa/chat");
            assertThat(exampleClient.requestCertificate(token.token(),
                    csr(new SpiffeId("example.org", "default", "chat"))).spiffeId())
                    .isEqualTo("spiffe://example.org/ns/default/sa/chat");
        }

        // given: the state file edited behind the control plane's back to another trust domain
        new StateFile(other).write(new StoredState(2, Yaml.resources(meshConfig("weft.test")), List.of()));

        // when / then
        assertThatThrownBy(() -> ControlPlane.start(ControlPlaneConfig.defaults(other).withPorts(0, 0)))
                .isInstanceOf(TrustDomainConflictException.class)
                .hasMessageContaining("issues for trust domain example.org")
                .hasMessageContaining("spec.trustDomain is weft.test");
    }
}
