package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ca.Csr;
import dev.weft.ca.Pem;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.identity.CertificateService;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ClientCalls;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code weft token create} against a real control plane on loopback. */
class TokenCommandTest {
    @TempDir
    Path dir;

    private ControlPlane controlPlane;
    private String server;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void startControlPlane() throws Exception {
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dir.resolve("data")).withPorts(0, 0));
        server = controlPlane.apiUri().toString();
        // the token and trust bundle come from $WEFT_HOME/credentials.json, as after `weft control-plane`
        new Credentials(controlPlane.apiUri(), controlPlane.adminToken().value(), controlPlane.trustBundleFile())
                .write(Credentials.defaultFile());
    }

    @AfterEach
    void stop() throws Exception {
        controlPlane.close();
        Files.deleteIfExists(Credentials.defaultFile());
    }

    @Test
    void thePrintedTokenGetsTheWorkloadItsCertificateOnce() throws Exception {
        // when
        int code = weft("token", "create", "--namespace", "ml", "--account", "chat", "--ttl", "10m",
                "--server", server);

        // then: stdout is the token alone; stderr says whom it admits
        assertThat(code).as(err.toString()).isZero();
        String token = out.toString().strip();
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(err.toString()).contains("one-time join token for spiffe://cluster.local/ns/ml/sa/chat");

        SpiffeId chat = new SpiffeId("cluster.local", "ml", "chat");
        ManagedChannel channel = signingChannel();
        try {
            String chain = sign(channel, Csr.create(Csr.generateKeyPair(), chat).pem(), token).certificateChain();
            assertThat(Pem.certificates(chain).get(0).getSubjectAlternativeNames())
                    .containsExactly(List.of(6, chat.toString()));
            assertThatThrownBy(() -> sign(channel, Csr.create(Csr.generateKeyPair(), chat).pem(), token))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .isEqualTo(Status.Code.UNAUTHENTICATED))
                    .hasMessageContaining("REUSED");
        } finally {
            channel.shutdownNow();
        }
    }

    /** A TLS channel to the control plane's xDS port trusting its CA's roots, as a joining workload opens. */
    private ManagedChannel signingChannel() throws Exception {
        SslContext tls = GrpcSslContexts.forClient()
                .trustManager(controlPlane.certificateAuthority().bundle().roots().toArray(X509Certificate[]::new))
                .build();
        return NettyChannelBuilder.forAddress("localhost", controlPlane.xdsPort()).sslContext(tls).build();
    }

    private static CertificateService.SignResponse sign(ManagedChannel channel, String csr, String token) {
        return ClientCalls.blockingUnaryCall(channel, CertificateService.SIGN, CallOptions.DEFAULT,
                new CertificateService.SignRequest(csr, token));
    }

    @Test
    void theNamespaceDefaultsToDefault() {
        assertThat(weft("token", "create", "--account", "chat", "--server", server)).as(err.toString()).isZero();
        assertThat(err.toString()).contains("spiffe://cluster.local/ns/default/sa/chat");
    }

    @Test
    void badArgumentsAreExitCode2() {
        assertThat(weft("token", "create", "--server", server)).isEqualTo(2);
        assertThat(err.toString()).contains("--account");
        assertThat(weft("token", "create", "--account", "a/b", "--server", server)).isEqualTo(2);
        assertThat(err.toString()).contains("account");
        assertThat(weft("token", "create", "--account", "chat", "--ttl", "0", "--server", server)).isEqualTo(2);
        assertThat(err.toString()).contains("--ttl");
        assertThat(weft("token", "create", "--account", "chat", "--server", "ftp://x")).isEqualTo(2);
        assertThat(err.toString()).contains("--server: 'ftp://x'");
        assertThat(weft("token")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required subcommand");
    }

    @Test
    void aTokenTheServerRefusesIsExitCode1() {
        // when: a TTL beyond what the API takes (99999h59m59s999ms)
        int code = weft("token", "create", "--account", "chat", "--ttl", "100000h", "--server", server);

        // then
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("ttl");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void anUnreachableControlPlaneIsExitCode1() {
        // given
        controlPlane.close();

        // when
        int code = weft("token", "create", "--account", "chat", "--server", server);

        // then
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("cannot reach the control plane at " + server);
        assertThat(out.toString()).isEmpty();
    }

    private int weft(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cl = Weft.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}
