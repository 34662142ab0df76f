package dev.weft.proxy.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.SvidVerifier;
import dev.weft.ca.TrustBundle;
import dev.weft.proxy.xds.Backoff;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity agent against a CSR service with a real CA on loopback TLS: the first certificate by join token,
 * renewal by the current SVID at about half its lifetime, refusals, and who the agent accepts as the control plane.
 */
class WorkloadIdentityTest {
    private static final String TD = "cluster.local";
    private static final SpiffeId WORKLOAD = new SpiffeId(TD, "default", "reviews");
    private static final SpiffeId CONTROL_PLANE = SpiffeId.controlPlane(TD);
    private static final Backoff FAST = new Backoff(20, 200);

    @TempDir
    Path dir;

    private CertificateAuthority ca;
    /** The same CA directory, issuing the server's certificate for longer than any test runs. */
    private CertificateAuthority serverCa;
    private SigningServer server;
    private WorkloadIdentity agent;

    @BeforeEach
    void openCa() throws Exception {
        ca = CertificateAuthority.builder(dir.resolve("ca"), TD).svidLifetime(Duration.ofSeconds(4)).open();
        serverCa = CertificateAuthority.builder(dir.resolve("ca"), TD).svidLifetime(Duration.ofMinutes(10)).open();
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private String token(String account) throws Exception {
        return ca.joinTokens().create("default", account, Duration.ofMinutes(5));
    }

    private WorkloadIdentity.Builder agentFor(TrustBundle bundle, String token) {
        return WorkloadIdentity.builder(WORKLOAD)
                .controlPlane("127.0.0.1", server.port())
                .trustBundle(bundle)
                .joinToken(token)
                .retryBackoff(FAST);
    }

    @Test
    void firstCertificateIsSignedAgainstTheJoinTokenForALocallyMadeKey() throws Exception {
        // the server's SVID names no host or IP: the agent checks the SPIFFE ID, not the address it dialled
        server = SigningServer.start(ca, serverCa, CONTROL_PLANE);
        String token = token("reviews");
        agent = agentFor(ca.bundle(), token).build();
        List<WorkloadCertificate> seen = new CopyOnWriteArrayList<>();
        agent.addListener(seen::add);

        agent.start();
        WorkloadCertificate first = agent.awaitFirst(Duration.ofSeconds(10));

        assertThat(first.spiffeId()).isEqualTo(WORKLOAD);
        assertThat(new SvidVerifier(ca.bundle(), TD).verify(first.chain(), SvidVerifier.PeerRole.CLIENT,
                Instant.now(), WORKLOAD)).isEqualTo(WORKLOAD);
        assertThat(first.certificate().getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(first.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(agent.current()).isSameAs(first);
        assertThat(seen).containsExactly(first);
        // the token went over TLS that authenticated only the server: the agent had no certificate to show
        SigningServer.Call call = server.calls().get(0);
        assertThat(call.joinToken()).isEqualTo(token);
        assertThat(call.peer()).isNull();
        assertThat(call.issuedSerial()).isEqualTo(first.certificate().getSerialNumber());
    }

    @Test
    void renewsByItsCurrentCertificateWithoutTokenAtAboutHalfItsLifetime() throws Exception {
        server = SigningServer.start(ca, serverCa, CONTROL_PLANE);
        agent = agentFor(ca.bundle(), token("reviews")).build();
        List<WorkloadCertificate> seen = new CopyOnWriteArrayList<>();
        agent.addListener(seen::add);
        agent.start();
        WorkloadCertificate first = agent.awaitFirst(Duration.ofSeconds(10));

        // 4 s SVIDs: each is renewed 40-60 % into what is left of it, well before it expires
        await().atMost(Duration.ofSeconds(8)).until(() -> seen.size() >= 3);

        List<SigningServer.Call> calls = server.calls();
        assertThat(calls).hasSizeGreaterThanOrEqualTo(3);
        for (int i = 1; i < 3; i++) {
            SigningServer.Call previous = calls.get(i - 1);
            SigningServer.Call renewal = calls.get(i);
            assertThat(renewal.outcome()).isEqualTo(Status.Code.OK);
            assertThat(renewal.joinToken()).isNull();
            assertThat(renewal.peer()).isEqualTo(WORKLOAD);
            // mutual TLS with the certificate in use, not an older one
            assertThat(renewal.peerSerial()).isEqualTo(previous.issuedSerial());
            long lifetime = Duration.between(previous.at(), seen.get(i - 1).notAfter()).toMillis();
            long after = Duration.between(previous.at(), renewal.at()).toMillis();
            assertThat(after).as("renewal %d came %d ms after the issue of an SVID with %d ms left", i, after,
                    lifetime).isBetween((long) (lifetime * 0.4) - 50, (long) (lifetime * 0.6) + 1_000);
        }
        assertThat(seen.get(0)).isSameAs(first);
        assertThat(seen.get(1).notAfter()).isAfter(first.notAfter());
        assertThat(seen.get(1).certificate().getPublicKey()).isNotEqualTo(first.certificate().getPublicKey());
        assertThat(agent.current()).isSameAs(seen.get(seen.size() - 1));
    }

    @Test
    void aFailedRenewalIsRetriedUntilItSucceeds() throws Exception {
        server = SigningServer.start(ca, serverCa, CONTROL_PLANE);
        agent = agentFor(ca.bundle(), token("reviews")).build();
        agent.start();
        WorkloadCertificate first = agent.awaitFirst(Duration.ofSeconds(10));
        server.failNext(Status.UNAVAILABLE.withDescription("overloaded"),
                Status.RESOURCE_EXHAUSTED.withDescription("rate limited"));

        await().atMost(Duration.ofSeconds(4)).until(() -> agent.current() != first);

        assertThat(server.calls()).extracting(SigningServer.Call::outcome).containsExactly(Status.Code.OK,
                Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED, Status.Code.OK);
        assertThat(agent.current().notAfter()).isAfter(first.notAfter());
        assertThat(agent.lastError()).isNull();
    }

    @Test
    void aRateLimitedRequestWaitsAsLongAsTheControlPlaneSays() throws Exception {
        server = SigningServer.start(ca, serverCa, CONTROL_PLANE);
        server.rateLimitNext(700);
        agent = agentFor(ca.bundle(), token("reviews")).build();
        agent.start();

        agent.awaitFirst(Duration.ofSeconds(10));

        List<SigningServer.Call> calls = server.calls();
        assertThat(calls).extracting(SigningServer.Call::outcome)
                .containsExactly(Status.Code.RESOURCE_EXHAUSTED, Status.Code.OK);
        // the back-off alone would have retried within 20 ms
        assertThat(Duration.between(calls.get(0).at(), calls.get(1).at())).isGreaterThanOrEqualTo(
                Duration.ofMillis(700));
    }

    @Test
    void aRefusedJoinTokenEndsTheAgentWithWhatToDo() throws Exception {
        server = SigningServer.start(ca, serverCa, CONTROL_PLANE);
        agent = agentFor(ca.bundle(), token("ratings")).build();
        agent.start();

        assertThatThrownBy(() -> agent.awaitFirst(Duration.ofSeconds(10)))
                .isInstanceOf(IdentityRefusedException.class)
                .hasMessageContaining("refused the join token for " + WORKLOAD)
                .hasMessageContaining("IDENTITY_MISMATCH")
                .hasMessageContaining("weft token create --namespace default --account reviews");
        // not retried: the same token cannot succeed later
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> server.calls().size() == 1);
        assertThat(agent.current()).isNull();
    }

    @Test
    void aServerWithAnotherSpiffeIdIsNotTheControlPlane() throws Exception {
        server = SigningServer.start(ca, serverCa, new SpiffeId(TD, "weft-system", "impostor"));
        agent = agentFor(ca.bundle(), token("reviews")).build();
        agent.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> agent.lastError() != null);
        assertThat(agent.lastError()).contains("expected " + CONTROL_PLANE);
        assertThatThrownBy(() -> agent.awaitFirst(Duration.ofMillis(100)))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("no certificate for " + WORKLOAD)
                .hasMessageContaining("spiffe://cluster.local/ns/weft-system/sa/impostor");
        // the handshake failed before the token was sent
        assertThat(server.calls()).isEmpty();
    }

    @Test
    void aBundleUpdateMakesAControlPlaneOfANewRootAcceptable() throws Exception {
        TrustBundle oldRoots = ca.bundle();
        ca.rotateRootAdd();
        ca.rotateRootActivate();
        serverCa = CertificateAuthority.builder(dir.resolve("ca"), TD).svidLifetime(Duration.ofMinutes(10)).open();
        server = SigningServer.start(ca, serverCa, CONTROL_PLANE);
        agent = agentFor(oldRoots, token("reviews")).build();
        agent.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> agent.lastError() != null);
        assertThat(agent.lastError()).contains("does not verify against the trust bundle");
        assertThat(server.calls()).isEmpty();

        agent.updateBundle(ca.bundle());
        WorkloadCertificate first = agent.awaitFirst(Duration.ofSeconds(10));

        assertThat(first.chain()[first.chain().length - 1].getIssuerX500Principal())
                .isEqualTo(ca.issuerChain().get(0).getSubjectX500Principal());
        assertThat(agent.bundle()).isEqualTo(ca.bundle());
    }

    @Test
    void theSigningResponseBringsTheRootsOfARotation() throws Exception {
        server = SigningServer.start(ca, serverCa, CONTROL_PLANE);
        agent = agentFor(ca.bundle(), token("reviews")).build();
        agent.start();
        agent.awaitFirst(Duration.ofSeconds(10));

        ca.rotateRootAdd();

        // the next renewal's response carries both roots, before the control plane's certificate changes
        await().atMost(Duration.ofSeconds(6)).until(() -> agent.bundle().roots().size() == 2);
        assertThat(agent.bundle()).isEqualTo(ca.bundle());
    }

    @Test
    void builderNamesWhatIsMissing() {
        assertThatThrownBy(() -> WorkloadIdentity.builder(WORKLOAD).controlPlane("127.0.0.1", 1)
                .trustBundle(ca.bundle()).build())
                .hasMessageContaining("joinToken: required")
                .hasMessageContaining("weft token create --namespace default --account reviews");
        assertThatThrownBy(() -> WorkloadIdentity.builder(WORKLOAD).controlPlane("127.0.0.1", 1).joinToken("t")
                .build())
                .hasMessageContaining("trustBundle: required");
        assertThatThrownBy(() -> WorkloadIdentity.builder(WORKLOAD).controlPlane("127.0.0.1", 0))
                .hasMessageContaining("controlPlane port: 0");
    }
}
