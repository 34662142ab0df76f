package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.client.ControlPlaneClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code weft apply/get/delete/register/deregister/proxy-status} against a real control plane on loopback. */
class MeshCommandsTest {
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
    void applyThenGetThenDelete() {
        // when
        int applied = weft("apply", "-f", "../examples/mesh/chat.yaml", "--server", server);

        // then
        assertThat(applied).as(err.toString()).isZero();
        assertThat(out.toString()).contains("service/default/chat created", "destinationpolicy/default/chat created",
                "httproute/default/chat created");

        assertThat(weft("get", "httproutes", "--server", server)).isZero();
        assertThat(out.toString()).contains("NAMESPACE").contains("chat");

        assertThat(weft("get", "HTTPRoute", "chat", "-o", "yaml", "--server", server)).isZero();
        assertThat(out.toString()).contains("kind: HTTPRoute", "name: chat-v2", "weight: 10");

        assertThat(weft("apply", "-f", "../examples/mesh/canary-50.yaml", "--server", server)).isZero();
        assertThat(out.toString()).contains("httproute/default/chat configured");

        assertThat(weft("delete", "httproute", "chat", "--server", server)).isZero();
        assertThat(out.toString()).contains("httproute/default/chat deleted");
        assertThat(weft("get", "httproute", "chat", "--server", server)).isEqualTo(1);
        assertThat(err.toString()).contains("httproute/default/chat not found");
    }

    @Test
    void dryRunReportsAndChangesNothing() {
        // when
        int code = weft("apply", "-f", "../examples/mesh/chat.yaml", "--dry-run", "--server", server);

        // then
        assertThat(code).isZero();
        assertThat(out.toString()).contains("httproute/default/chat created (dry run)");
        assertThat(weft("get", "httproute", "--server", server)).isZero();
        assertThat(out.toString()).contains("No httproutes found.");
    }

    @Test
    void anInvalidFileAppliesNothingAndNamesFileAndField() throws Exception {
        // given: a valid Service and a route whose weight is out of range, in one file
        String chat = Files.readString(Path.of("../examples/mesh/chat.yaml"));
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, chat.replace("weight: 10", "weight: -1"));

        // when
        int code = weft("apply", "-f", bad.toString(), "--server", server);

        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("nothing applied", bad.toString(), "weight");
        assertThat(weft("get", "services", "--server", server)).isZero();
        assertThat(out.toString()).contains("No services found.");
    }

    @Test
    void aRouteToAnUnknownServiceIsRefusedByTheServer() throws Exception {
        // given: a route alone, whose parent Service the control plane does not know
        Path route = dir.resolve("route.yaml");
        Files.writeString(route, Files.readString(Path.of("../examples/mesh/canary-50.yaml")));

        // when
        int code = weft("apply", "-f", route.toString(), "--server", server);

        // then
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("nothing applied").contains("chat");
    }

    @Test
    void registerAndDeregisterAnInstance() {
        // when
        int code = weft("register", "--service", "chat", "--address", "127.0.0.1", "--port", "8001",
                "--label", "version=v1", "--ttl", "30s", "--server", server);

        // then
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("serviceinstance/default/chat-127-0-0-1-8001 registered");
        assertThat(registered()).contains("chat-127-0-0-1-8001");

        assertThat(weft("deregister", "chat-127-0-0-1-8001", "--server", server)).isZero();
        assertThat(weft("deregister", "chat-127-0-0-1-8001", "--server", server)).isEqualTo(1);
        assertThat(err.toString()).contains("not registered");
    }

    @Test
    void proxyStatusWithNoProxies() {
        assertThat(weft("proxy-status", "--server", server)).isZero();
        assertThat(out.toString()).contains("No proxies connected.");
    }

    @Test
    void anUnreachableControlPlaneIsExplained() {
        // given: nothing listens on the port a closed control plane had
        controlPlane.close();

        // when
        int code = weft("get", "httproute", "--server", server);

        // then
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("cannot reach the control plane at " + server);
    }

    @Test
    void badArgumentsAreExitCode2() {
        assertThat(weft("get", "gateways", "--server", server)).isEqualTo(2);
        assertThat(err.toString()).contains("unknown kind 'gateways'");
        assertThat(weft("get", "httproute", "--server", "ftp://x")).isEqualTo(2);
        assertThat(err.toString()).contains("--server: 'ftp://x'");
        assertThat(weft("register", "--service", "chat", "--address", "127.0.0.1", "--port", "0", "--server", server))
                .isEqualTo(2);
        assertThat(weft("register", "--service", "chat", "--address", "127.0.0.1", "--port", "1", "--keep-alive",
                "--server", server)).isEqualTo(2);
        assertThat(err.toString()).contains("--keep-alive needs --ttl");
    }

    private List<String> registered() {
        try {
            return controlPlane.client().registry().stream()
                    .flatMap(s -> s.instances().stream()).map(i -> i.name()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
