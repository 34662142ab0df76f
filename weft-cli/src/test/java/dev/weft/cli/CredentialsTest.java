package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.ca.CertificateAuthority;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.testkit.ManagedProcess;
import dev.weft.testkit.Processes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * How the CLI finds a control plane and proves itself: {@code weft control-plane} writes
 * {@code $WEFT_HOME/credentials.json} (owner-only) that the other commands use, and every way the credentials can be
 * missing or wrong is a message saying which one and where it came from.
 */
class CredentialsTest {
    @TempDir
    Path dir;

    private String savedHome;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void isolateHome() {
        savedHome = System.getProperty(Credentials.HOME_PROPERTY);
        System.setProperty(Credentials.HOME_PROPERTY, dir.resolve("home").toString());
    }

    @AfterEach
    void restoreHome() {
        System.setProperty(Credentials.HOME_PROPERTY, savedHome);
    }

    @Test
    void weftControlPlaneWritesOwnerOnlyCredentialsThatTheCliUsesAndRemovesThemWhenStopped() throws Exception {
        // given: `weft control-plane` in its own JVM, with this test's WEFT_HOME
        Path data = dir.resolve("data");
        Path credentials = dir.resolve("home").resolve(Credentials.FILE_NAME);
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-D" + Credentials.HOME_PROPERTY + "=" + dir.resolve("home"),
                Weft.class.getName(), "control-plane", "--data-dir", data.toString(), "--xds-port", "0",
                "--api-port", "0");
        try (ManagedProcess controlPlane = Processes.start(dir, dir.resolve("control-plane.log"), command)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                if (!controlPlane.isAlive()) {
                    throw new AssertionError("weft control-plane exited: " + controlPlane.output());
                }
                return controlPlane.output().contains("weft control-plane ready");
            });

            // then: the file is owner-only and names this control plane's API, token and bundle
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(credentials)))
                    .isEqualTo("rw-------");
            Credentials stored = Credentials.read(credentials).orElseThrow();
            assertThat(stored.server().toString()).startsWith("https://127.0.0.1:");
            assertThat(controlPlane.output()).contains("api=" + stored.server());
            assertThat(stored.token()).isEqualTo(Files.readString(data.resolve("admin-token")).strip());
            assertThat(stored.caFile()).isEqualTo(data.resolve("ca").resolve("bundle.pem"));

            // and the CLI uses it without any option
            assertThat(weft("apply", "-f", "../examples/mesh/chat.yaml")).as(err.toString()).isZero();
            assertThat(out.toString()).contains("httproute/default/chat created");
            assertThat(weft("get", "httproute", "chat")).as(err.toString()).isZero();

            // when: a clean stop (SIGTERM)
            controlPlane.stop();
        }

        // then: the credentials of the stopped control plane are gone
        assertThat(credentials).doesNotExist();
    }

    @Test
    void withoutCredentialsTheMessageSaysHowToGiveThem() {
        // when: no option, no environment, no credentials file
        int code = weft("get", "httproute");

        // then
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("weft get: no credentials for the control plane at "
                + "https://127.0.0.1:18080: give --token and --ca-file", "start `weft control-plane`",
                dir.resolve("home").resolve(Credentials.FILE_NAME).toString());
    }

    @Test
    void aWrongTokenOrCaFileIsNamedWithWhereItCameFrom() throws Exception {
        try (ControlPlane controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dir.resolve("data"))
                .withPorts(0, 0))) {
            // given: credentials.json with a token of another control plane
            String server = controlPlane.apiUri().toString();
            Path credentials = Credentials.defaultFile();
            new Credentials(controlPlane.apiUri(), "not-the-admin-token-of-this-control-plane",
                    controlPlane.trustBundleFile()).write(credentials);
            CertificateAuthority other = CertificateAuthority.builder(dir.resolve("other-ca"), "cluster.local").open();
            Path otherBundle = dir.resolve("other-bundle.pem");
            Files.writeString(otherBundle, other.bundle().toPem());

            // when / then: the token from the file
            assertThat(weft("get", "httproute")).isEqualTo(1);
            assertThat(err.toString()).contains("weft get: the control plane refused the admin token (from "
                    + credentials + "): the admin token is not valid");

            // when / then: the token from the option
            assertThat(weft("get", "httproute", "--token", "wrong-too")).isEqualTo(1);
            assertThat(err.toString()).contains("refused the admin token (from --token)");

            // when / then: the right token, but a bundle of another CA
            assertThat(weft("get", "httproute", "--token", controlPlane.adminToken().value(), "--ca-file",
                    otherBundle.toString())).isEqualTo(1);
            assertThat(err.toString()).contains("weft get: the certificate of " + server + " did not verify against "
                    + otherBundle + " (from --ca-file)");

            // when / then: a bundle file that is not there
            assertThat(weft("get", "httproute", "--token", controlPlane.adminToken().value(), "--ca-file",
                    dir.resolve("missing.pem").toString())).isEqualTo(1);
            assertThat(err.toString()).contains("the trust bundle " + dir.resolve("missing.pem")
                    + " (from --ca-file) does not exist");

            // when / then: all three given explicitly
            assertThat(weft("get", "httproute", "--server", server, "--token", controlPlane.adminToken().value(),
                    "--ca-file", controlPlane.trustBundleFile().toString())).as(err.toString()).isZero();
            assertThat(out.toString()).contains("No httproutes found.");
        }
    }

    @Test
    void aPlaintextServerUrlIsAUsageError() {
        assertThat(weft("get", "httproute", "--server", "http://127.0.0.1:18080")).isEqualTo(2);
        assertThat(err.toString()).contains("--server: 'http://127.0.0.1:18080' (from --server): the control plane's "
                + "API is HTTPS only");
    }

    @Test
    void credentialsOfAnotherControlPlaneAreNotRemoved() throws Exception {
        // given: two control planes wrote the file in turn
        Path file = Credentials.defaultFile();
        Credentials first = new Credentials(java.net.URI.create("https://127.0.0.1:1"), "a".repeat(43),
                dir.resolve("a.pem"));
        Credentials second = new Credentials(java.net.URI.create("https://127.0.0.1:2"), "b".repeat(43),
                dir.resolve("b.pem"));
        first.write(file);
        second.write(file);

        // when: the first stops
        first.removeIfStillIn(file);

        // then: the second's credentials stay
        assertThat(Credentials.read(file)).contains(second);
        second.removeIfStillIn(file);
        assertThat(file).doesNotExist();
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
