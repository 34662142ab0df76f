package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.weft.api.ObjectMeta;
import dev.weft.api.Resource;
import dev.weft.api.ResourceLoader;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weft proxy --control-plane ... -- <app>}: a sidecar that gets its config from a real control plane, starts
 * the app once ready (curl here, finding the sidecar through HTTP_PROXY) and exits with the app's exit code.
 */
class SidecarCommandTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ControlPlane controlPlane;
    private ModelServer chat;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void mesh() throws Exception {
        // plaintext xDS until the sidecar joins with an identity (issue 4)
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dir.resolve("cp")).withPorts(0, 0)
                .withInsecureXds(true));
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

    @Test
    void theAppRunsOnceTheSidecarIsReadyAndItsExitCodeIsTheSidecars() {
        // when: a batch job that calls http://chat/ through its sidecar
        int ok = assertTimeoutPreemptively(BOUND, () -> weft(sidecar("curl", "-sf", "-o", "/dev/null",
                "http://chat/v1/models")));
        int failing = assertTimeoutPreemptively(BOUND, () -> weft(sidecar("curl", "-sf", "-o", "/dev/null",
                "http://chat/status/503")));

        // then
        assertThat(ok).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("weft proxy ready").contains("outbound=127.0.0.1:");
        assertThat(chat.requestCount("/v1/models")).isEqualTo(1);
        assertThat(failing).isEqualTo(22);
    }

    @Test
    void anAppThatCannotStartIsExplained() {
        int code = assertTimeoutPreemptively(BOUND, () -> weft(sidecar("/nonexistent/app")));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("cannot start '/nonexistent/app'");
    }

    @Test
    void aBusyInboundPortStopsTheSidecarBeforeItRegisters() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int code = weft("proxy", "--control-plane", "127.0.0.1:" + controlPlane.xdsPort(), "--service", "chat",
                    "--app-port", Integer.toString(chat.port()), "--inbound-port", Integer.toString(taken.getLocalPort()),
                    "--outbound-port", "0", "--admin-port", "0", "--insecure");

            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("--inbound-port: 127.0.0.1:" + taken.getLocalPort() + " is in use");
            assertThat(controlPlane.client().registry().stream()
                    .flatMap(s -> s.instances().stream()).map(i -> i.port())).doesNotContain(taken.getLocalPort());
        }
    }

    @Test
    void sidecarOptionsAreChecked() {
        assertThat(weft("proxy", "--control-plane", "127.0.0.1:1")).isEqualTo(2);
        assertThat(err.toString()).contains("--service: required with --control-plane");
        assertThat(weft("proxy", "--control-plane", "nowhere", "--service", "a")).isEqualTo(2);
        assertThat(err.toString()).contains("--control-plane: 'nowhere' (expected: HOST:PORT)");
        assertThat(weft("proxy", "--control-plane", "127.0.0.1:1", "--service", "a", "--upstream", "B")).isEqualTo(2);
        assertThat(err.toString()).contains("--upstream: 'B'");
        assertThat(weft("proxy", "--control-plane", "127.0.0.1:1", "--service", "a")).isEqualTo(2);
        assertThat(err.toString()).contains("no join token").contains("weft token create --namespace default "
                + "--account a");
        assertThat(weft("proxy", "--config", "x.yaml", "--control-plane", "127.0.0.1:1")).isEqualTo(2);
        assertThat(weft("proxy", "--config", "x.yaml", "--service", "a")).isEqualTo(2);
        assertThat(err.toString()).contains("sidecar options");
    }

    @Test
    void printBootstrapShowsWhatTheSidecarWouldRun() {
        int code = weft("proxy", "--control-plane", "127.0.0.1:18000", "--service", "reviews", "--app-port", "9080",
                "--label", "version=v2", "--upstream", "ratings=9001", "--print-bootstrap");

        assertThat(code).isZero();
        assertThat(out.toString()).contains("\"weft.service\": \"reviews\"", "\"version\": \"v2\"",
                "\"clusterName\": \"xds\"");
    }

    private String[] sidecar(String... app) {
        String[] head = {"proxy", "--control-plane", "127.0.0.1:" + controlPlane.xdsPort(), "--service", "job",
                "--outbound-port", Integer.toString(Ports.findFree()), "--admin-port", "0", "--concurrency", "1",
                "--upstream", "chat", "--insecure", "--"};
        String[] args = new String[head.length + app.length];
        System.arraycopy(head, 0, args, 0, head.length);
        System.arraycopy(app, 0, args, head.length, app.length);
        return args;
    }

    private int weft(String... args) {
        CommandLine cl = Weft.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}
