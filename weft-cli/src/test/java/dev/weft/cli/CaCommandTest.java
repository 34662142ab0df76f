package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.weft.ca.Pem;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.testkit.Curl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weft ca status} and {@code weft ca rotate} against a real control plane, with the credentials the CLI finds
 * in {@code $WEFT_HOME/credentials.json}; curl (a real client, trusting only the CA file) reads the trust bundle.
 */
class CaCommandTest {
    @TempDir
    Path dir;

    private String savedHome;
    private ControlPlane controlPlane;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void startControlPlane() throws Exception {
        savedHome = System.getProperty(Credentials.HOME_PROPERTY);
        System.setProperty(Credentials.HOME_PROPERTY, dir.resolve("home").toString());
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dir.resolve("data")).withPorts(0, 0));
        new Credentials(controlPlane.apiUri(), controlPlane.adminToken().value(), controlPlane.trustBundleFile())
                .write(Credentials.defaultFile());
    }

    @AfterEach
    void stop() {
        controlPlane.close();
        System.setProperty(Credentials.HOME_PROPERTY, savedHome);
    }

    /** The roots {@code GET /v1/trust-bundle} serves, read by curl trusting {@code caFile} only, without a token. */
    private List<X509Certificate> servedRoots(Path caFile) {
        Curl.Result result = Curl.run("--cacert", caFile.toString(),
                controlPlane.apiUri() + "/v1/trust-bundle");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.status()).isEqualTo(200);
        return Pem.certificates(result.bodyText());
    }

    @Test
    void rotateAddActivateRemoveOldThroughTheCliReplacesTheRoot() throws Exception {
        assumeThat(Curl.available()).as("curl is installed").isTrue();
        // given
        Path bundleFile = controlPlane.trustBundleFile();
        X509Certificate oldRoot = servedRoots(bundleFile).get(0);
        assertThat(weft("ca", "status")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("Trust domain:   cluster.local", "Pending issuer: none", "active",
                "Next rotation step: weft ca rotate add");

        // when: add
        assertThat(weft("ca", "rotate", "add")).as(err.toString()).isZero();

        // then: the bundle has both roots
        assertThat(out.toString()).contains("root rotation step add done; the trust bundle holds 2 roots", "pending",
                "Next rotation step: weft ca rotate activate");
        List<X509Certificate> both = servedRoots(bundleFile);
        assertThat(both).hasSize(2).contains(oldRoot);

        // when: activate, then remove-old (each CLI run reads the CA file afresh, as a user's shell would)
        assertThat(weft("ca", "rotate", "activate")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("old", "Next rotation step: weft ca rotate remove-old");
        assertThat(weft("ca", "rotate", "remove-old")).as(err.toString()).isZero();

        // then: one root, the new one; curl and the CLI verify the control plane with it alone
        List<X509Certificate> after = servedRoots(bundleFile);
        assertThat(after).hasSize(1).doesNotContain(oldRoot);
        assertThat(both).contains(after.get(0));
        assertThat(weft("ca", "status")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("Pending issuer: none", "Next rotation step: weft ca rotate add");
    }

    @Test
    void removeOldWithoutARotationIsRefusedWithTheReason() {
        // when
        int code = weft("ca", "rotate", "remove-old");

        // then
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("weft ca rotate: no old root to remove");
        assertThat(controlPlane.certificateAuthority().bundle().roots()).hasSize(1);
    }

    @Test
    void anUnknownStepIsAUsageError() {
        assertThat(weft("ca", "rotate", "everything")).isEqualTo(2);
        assertThat(err.toString()).contains("STEP: 'everything' (expected: add, activate or remove-old)");
        assertThat(weft("ca")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required subcommand");
    }

    @Test
    void curlWithTheCaFileIsRefusedWithoutTheTokenAndAdmittedWithIt() throws Exception {
        assumeThat(Curl.available()).as("curl is installed").isTrue();
        String url = controlPlane.apiUri() + "/v1/registry";
        String caFile = controlPlane.trustBundleFile().toString();

        Curl.Result anonymous = Curl.run("-v", "--cacert", caFile, url);
        Curl.Result wrong = Curl.run("--cacert", caFile, "-H", "Authorization: Bearer wrong", url);
        Curl.Result admin = Curl.run("--cacert", caFile, "-H", "Authorization: Bearer "
                + controlPlane.adminToken().value(), url);
        Curl.Result untrusted = Curl.run(url);

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.bodyText()).contains("needs the admin token");
        assertThat(anonymous.stderr()).containsIgnoringCase("WWW-Authenticate: Bearer realm=\"weft-control-plane\"");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(admin.status()).isEqualTo(200);
        assertThat(new String(admin.body(), StandardCharsets.UTF_8)).startsWith("{\"services\":");
        // curl's own trust store does not know the mesh CA: exit 60, peer certificate cannot be authenticated
        assertThat(untrusted.exitCode()).isEqualTo(60);
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
