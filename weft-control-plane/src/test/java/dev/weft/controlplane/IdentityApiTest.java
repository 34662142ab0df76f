package dev.weft.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.api.Kind;
import dev.weft.ca.Csr;
import dev.weft.ca.Pem;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ControlPlaneException;
import dev.weft.controlplane.client.JoinToken;
import dev.weft.controlplane.store.StateFile;
import dev.weft.controlplane.store.StoredState;
import io.grpc.ManagedChannel;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Join tokens and the trust bundle over the HTTP API, and the CA's trust domain, on a fake clock. */
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
        client = controlPlane.client();
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
    void theTrustBundleIsServedAsPemWithoutTheAdminToken() throws Exception {
        // without the admin token: clients need the roots before they can verify the API
        HttpResponse<String> response = ApiHttp.at(controlPlane, clock).send(HttpRequest.newBuilder(
                controlPlane.apiUri().resolve("/v1/trust-bundle")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-pem-file");
        assertThat(response.body()).startsWith("-----BEGIN CERTIFICATE-----")
                .isEqualTo(controlPlane.certificateAuthority().bundle().toPem());
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
            ControlPlaneClient exampleClient = exampleOrg.client();
            JoinToken token = exampleClient.createToken("default", "chat", Duration.ofMinutes(1));

            // then
            assertThat(token.spiffeId()).isEqualTo("spiffe://example.org/ns/default/sa/chat");
            ManagedChannel channel = XdsTls.channel(exampleOrg, clock, null);
            try {
                String chain = XdsTls.sign(channel, csr(new SpiffeId("example.org", "default", "chat")),
                        token.token()).certificateChain();
                assertThat(Pem.certificates(chain).get(0).getSubjectAlternativeNames())
                        .containsExactly(List.of(6, "spiffe://example.org/ns/default/sa/chat"));
            } finally {
                channel.shutdownNow();
            }
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
