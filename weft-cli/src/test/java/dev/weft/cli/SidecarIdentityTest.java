package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.weft.api.ObjectMeta;
import dev.weft.api.Resource;
import dev.weft.api.ResourceLoader;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.proxy.identity.WorkloadCertificate;
import dev.weft.proxy.identity.WorkloadIdentity;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Sidecars joining a real control plane whose xDS port is TLS: the identity agent gets and renews its SVID from the
 * control plane's CSR service, and {@code weft proxy --join-token-file --trust-bundle} runs a sidecar whose xDS goes
 * over mTLS, or stops with what to do when its token is refused.
 */
class SidecarIdentityTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ControlPlane controlPlane;
    private ModelServer chat;
    private Path bundle;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void mesh() throws Exception {
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dir.resolve("cp")).withPorts(0, 0)
                .withSvidLifetime(Duration.ofSeconds(4)));
        // what an operator hands a sidecar: the roots the control plane writes on start
        bundle = dir.resolve("cp").resolve("ca").resolve("bundle.pem");
        chat = ModelServer.start(ModelServerConfig.builder().model("m").version("v1").build(), 0);
        ControlPlaneClient api = controlPlane.client();
        api.apply(new ResourceLoader().load("""
                apiVersion: weft.dev/v1alpha1
                kind: Service
                metadata: {name: chat}
                spec: {ports: [{port: 8000}]}
                """, "chat.yaml").resources(), false);
        api.register(new Resource<>(new ObjectMeta("chat-0", "default", Map.of("version", "v1"), null, null, null),
                new ServiceInstanceSpec("chat", "127.0.0.1", chat.port(), null, null)));
    }

    @AfterEach
    void stop() {
        chat.close();
        controlPlane.close();
    }

    private String token(String account) throws Exception {
        return controlPlane.certificateAuthority().joinTokens().create("default", account, Duration.ofMinutes(5));
    }

    @Test
    void theAgentJoinsByTokenAndRenewsByItsCertificate() throws Exception {
        SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
        try (WorkloadIdentity agent = WorkloadIdentity.builder(id)
                .controlPlane("127.0.0.1", controlPlane.xdsPort())
                .trustBundle(TrustBundle.fromPem(Files.readString(bundle)))
                .joinToken(token("reviews"))
                .build()) {
            agent.start();
            WorkloadCertificate first = agent.awaitFirst(Duration.ofSeconds(20));

            assertThat(first.spiffeId()).isEqualTo(id);
            assertThat(first.chain()[first.chain().length - 1].getIssuerX500Principal())
                    .isEqualTo(controlPlane.certificateAuthority().issuerChain().get(0).getSubjectX500Principal());
            // 4 s SVIDs: renewed (without a token, which is spent) before the first expires
            await().atMost(Duration.ofSeconds(4)).until(() -> agent.current() != first);
            assertThat(agent.current().notAfter()).isAfter(first.notAfter());
            assertThat(agent.lastError()).isNull();
        }
    }

    @Test
    void aSidecarWithATokenTakesItsConfigurationOverMtlsAndServesTheApp() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), token("job") + "\n");

        int code = assertTimeoutPreemptively(BOUND, () -> weft(sidecar("--join-token-file", tokenFile.toString(),
                "--trust-bundle", bundle.toString(), "--", "curl", "-sf", "-o", "/dev/null", "http://chat/v1/models")));

        assertThat(code).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("getting the certificate of spiffe://cluster.local/ns/default/sa/job")
                .contains("weft proxy ready");
        assertThat(chat.requestCount("/v1/models")).isEqualTo(1);
    }

    @Test
    void aSpentTokenStopsTheSidecarWithWhatToDo() throws Exception {
        String token = token("job");
        try (WorkloadIdentity first = WorkloadIdentity.builder(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/job"))
                .controlPlane("127.0.0.1", controlPlane.xdsPort())
                .trustBundle(TrustBundle.fromPem(Files.readString(bundle)))
                .joinToken(token)
                .build()) {
            first.start();
            first.awaitFirst(Duration.ofSeconds(20));
        }

        int code = assertTimeoutPreemptively(BOUND, () -> weft(sidecar("--join-token", token,
                "--trust-bundle", bundle.toString(), "--", "true")));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("refused the join token for spiffe://cluster.local/ns/default/sa/job")
                .contains("REUSED")
                .contains("weft token create --namespace default --account job");
        assertThat(out.toString()).doesNotContain("weft proxy ready");
    }

    private String[] sidecar(String... rest) {
        String[] head = {"proxy", "--control-plane", "127.0.0.1:" + controlPlane.xdsPort(), "--service", "job",
                "--outbound-port", Integer.toString(Ports.findFree()), "--admin-port", "0", "--concurrency", "1",
                "--upstream", "chat"};
        String[] args = new String[head.length + rest.length];
        System.arraycopy(head, 0, args, 0, head.length);
        System.arraycopy(rest, 0, args, head.length, rest.length);
        return args;
    }

    private int weft(String... args) {
        CommandLine cl = Weft.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}
