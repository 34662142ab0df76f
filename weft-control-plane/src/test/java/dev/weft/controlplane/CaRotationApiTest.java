package dev.weft.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.client.CaStatus;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ControlPlaneException;
import dev.weft.controlplane.client.RotationStep;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/ca} and the three root rotation steps of {@code POST /v1/ca/rotate}. */
class CaRotationApiTest {

    @TempDir
    Path dataDir;

    private ControlPlane controlPlane;
    private ControlPlaneClient client;

    @BeforeEach
    void start() throws Exception {
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0)
                .withSvidLifetime(Duration.ofHours(1)));
        client = controlPlane.client();
    }

    @AfterEach
    void stop() {
        controlPlane.close();
    }

    private TrustBundle servedBundle() throws Exception {
        return TrustBundle.fromPem(client.trustBundle());
    }

    private static String state(CaStatus status, String sha256) {
        return status.roots().stream().filter(r -> r.sha256().equals(sha256)).findFirst().orElseThrow().state();
    }

    @Test
    void theStatusOfAFreshCaHasOneActiveRoot() throws Exception {
        CaStatus status = client.caStatus();

        assertThat(status.trustDomain()).isEqualTo("cluster.local");
        assertThat(status.svidLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(status.roots()).singleElement().satisfies(root -> {
            assertThat(root.state()).isEqualTo("active");
            assertThat(root.sha256()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
            assertThat(root.notAfter()).isAfter(root.notBefore().plus(Duration.ofDays(3000)));
        });
        assertThat(status.activeIssuer().rootSha256()).isEqualTo(status.roots().get(0).sha256());
        assertThat(status.pendingIssuer()).isNull();
        assertThat(status.nextStep()).isEqualTo("add");
    }

    @Test
    void addActivateRemoveOldReplaceTheRootAndTheControlPlaneKeepsAnsweringUnderTheNewOne() throws Exception {
        // given
        String oldRoot = client.caStatus().roots().get(0).sha256();

        // when: add
        CaStatus added = client.rotate(RotationStep.ADD);

        // then: both roots are trusted, the old one still issues
        assertThat(servedBundle().roots()).hasSize(2);
        String newRoot = added.pendingIssuer().rootSha256();
        assertThat(newRoot).isNotEqualTo(oldRoot);
        assertThat(state(added, oldRoot)).isEqualTo("active");
        assertThat(state(added, newRoot)).isEqualTo("pending");
        assertThat(added.nextStep()).isEqualTo("activate");

        // when: activate
        CaStatus activated = client.rotate(RotationStep.ACTIVATE);

        // then: the new root issues, the old stays trusted, and the control plane serves a certificate of the new one
        assertThat(servedBundle().roots()).hasSize(2);
        assertThat(activated.activeIssuer().rootSha256()).isEqualTo(newRoot);
        assertThat(activated.pendingIssuer()).isNull();
        assertThat(state(activated, oldRoot)).isEqualTo("old");
        assertThat(activated.nextStep()).isEqualTo("remove-old");
        X509Certificate issuing = controlPlane.certificateAuthority().issuerChain().get(0);
        controlPlane.identity().svid().certificate().verify(issuing.getPublicKey());

        // when: remove-old
        CaStatus removed = client.rotate(RotationStep.REMOVE_OLD);

        // then: only the new root is left, on the API and in the file the CLI reads
        TrustBundle bundle = servedBundle();
        assertThat(bundle.roots()).hasSize(1);
        assertThat(removed.roots()).singleElement().satisfies(r -> {
            assertThat(r.sha256()).isEqualTo(newRoot);
            assertThat(r.state()).isEqualTo("active");
        });
        assertThat(TrustBundle.fromPem(Files.readString(controlPlane.trustBundleFile()))).isEqualTo(bundle);
        // a client that knows only the new root (a CLI reading bundle.pem now) verifies the control plane
        ControlPlaneClient fresh = new ControlPlaneClient(controlPlane.apiUri(), controlPlane.adminToken().value(),
                bundle);
        assertThat(fresh.caStatus().nextStep()).isEqualTo("add");
    }

    @Test
    void stepsOutOfOrderAreConflictsThatChangeNothing() throws Exception {
        TrustBundle before = servedBundle();

        assertThatThrownBy(() -> client.rotate(RotationStep.REMOVE_OLD))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(409))
                .hasMessageContaining("no old root to remove");
        assertThatThrownBy(() -> client.rotate(RotationStep.ACTIVATE))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(409))
                .hasMessageContaining("no new root to activate");
        assertThat(servedBundle()).isEqualTo(before);

        client.rotate(RotationStep.ADD);
        assertThatThrownBy(() -> client.rotate(RotationStep.ADD))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(servedBundle().roots()).hasSize(2);
    }

    @Test
    void anUnknownStepIsABadRequest() throws Exception {
        HttpResponse<String> response = ApiHttp.pkix(controlPlane).send(ApiHttp.authorized(controlPlane,
                "/v1/ca/rotate").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"step\": \"rotate-everything\"}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("step: must be add, activate or remove-old, got \\\"rotate-everything\\\"");
    }
}
