package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.api.Kind;
import dev.weft.api.ResourceLoader;
import dev.weft.api.ResourceSet;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code weft apply/get/delete} of examples/mesh/authorization.yaml against a real control plane on loopback. */
class AuthorizationCommandsTest {

    private static final String EXAMPLE = "../examples/mesh/authorization.yaml";

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
    void theExampleLoads() throws Exception {
        ResourceSet policies = new ResourceLoader().load(Path.of(EXAMPLE));

        assertThat(policies.ofKind(Kind.AUTHORIZATION_POLICY)).hasSize(3);
    }

    @Test
    void applyThenGetThenDelete() {
        // when
        int applied = weft("apply", "-f", EXAMPLE, "--server", server);

        // then
        assertThat(applied).as(err.toString()).isZero();
        assertThat(out.toString()).contains("authorizationpolicy/default/chat-callers created",
                "authorizationpolicy/default/chat-admin created", "authorizationpolicy/default/chat-v2-writes created");

        assertThat(weft("get", "authorizationpolicies", "--server", server)).isZero();
        assertThat(out.toString()).contains("NAMESPACE", "chat-callers", "chat-admin", "chat-v2-writes");

        assertThat(weft("get", "AuthorizationPolicy", "chat-admin", "-o", "yaml", "--server", server)).isZero();
        assertThat(out.toString()).contains("kind: AuthorizationPolicy", "action: DENY", "/admin/*",
                "request.headers[x-chat-admin]");

        assertThat(weft("apply", "-f", EXAMPLE, "--server", server)).isZero();
        assertThat(out.toString()).contains("authorizationpolicy/default/chat-admin unchanged");

        assertThat(weft("delete", "authorizationpolicy", "chat-admin", "--server", server)).isZero();
        assertThat(out.toString()).contains("authorizationpolicy/default/chat-admin deleted");
        assertThat(weft("get", "authorizationpolicy", "chat-admin", "--server", server)).isEqualTo(1);
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
