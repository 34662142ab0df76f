package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Who a sidecar says it is ({@code weft proxy} identity options) and the errors that tell a user what to fix. */
class SidecarIdentityOptionsTest {
    private static final Function<String, String> NO_ENV = name -> null;

    @TempDir
    Path dir;

    private Path bundle;
    private final SidecarIdentityOptions options = new SidecarIdentityOptions();

    @BeforeEach
    void bundle() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder(dir.resolve("ca"), "cluster.local").open();
        bundle = Files.writeString(dir.resolve("bundle.pem"), ca.bundle().toPem());
        options.trustDomain = SidecarIdentityOptions.DEFAULT_TRUST_DOMAIN;
        options.trustBundle = bundle;
    }

    @Test
    void theIdentityIsTheServiceInItsNamespaceUnlessAnAccountIsGiven() {
        options.joinToken = " t0k3n\n";

        SidecarIdentityOptions.Resolved resolved = options.resolve("prod", "reviews", NO_ENV);

        assertThat(resolved.spiffeId()).isEqualTo(SpiffeId.parse("spiffe://cluster.local/ns/prod/sa/reviews"));
        assertThat(resolved.joinToken()).isEqualTo("t0k3n");
        assertThat(resolved.trustBundle().roots()).hasSize(1);
        assertThat(resolved.toString()).doesNotContain("t0k3n");

        options.serviceAccount = "reviews-v2";
        options.trustDomain = "example.org";
        assertThat(options.resolve("prod", "reviews", NO_ENV).spiffeId())
                .isEqualTo(SpiffeId.parse("spiffe://example.org/ns/prod/sa/reviews-v2"));
    }

    @Test
    void theTokenComesFromTheOptionThenTheFileThenTheEnvironment() throws Exception {
        Function<String, String> env = Map.of(SidecarIdentityOptions.TOKEN_ENV, "from-env")::get;
        assertThat(options.resolve("default", "a", env).joinToken()).isEqualTo("from-env");

        options.joinTokenFile = Files.writeString(dir.resolve("token"), "from-file\n");
        assertThat(options.resolve("default", "a", env).joinToken()).isEqualTo("from-file");

        options.joinTokenFile = null;
        options.joinToken = "from-option";
        assertThat(options.resolve("default", "a", env).joinToken()).isEqualTo("from-option");
    }

    @Test
    void withoutATokenTheErrorSaysHowToGetOne() {
        assertThatThrownBy(() -> options.resolve("shop", "cart", NO_ENV))
                .hasMessageContaining("no join token")
                .hasMessageContaining("spiffe://cluster.local/ns/shop/sa/cart")
                .hasMessageContaining("weft token create --namespace shop --account cart")
                .hasMessageContaining("--join-token, --join-token-file or $WEFT_JOIN_TOKEN")
                .hasMessageContaining("--insecure");
    }

    @Test
    void badTokenFilesAndBundlesAreNamed() throws Exception {
        options.joinTokenFile = dir.resolve("missing-token");
        assertThatThrownBy(() -> options.resolve("default", "a", NO_ENV))
                .hasMessage("--join-token-file: " + dir.resolve("missing-token") + ": no such file");
        options.joinTokenFile = Files.writeString(dir.resolve("empty-token"), " \n");
        assertThatThrownBy(() -> options.resolve("default", "a", NO_ENV))
                .hasMessage("--join-token-file: " + options.joinTokenFile + " is empty");
        options.joinToken = "t";
        assertThatThrownBy(() -> options.resolve("default", "a", NO_ENV))
                .hasMessage("--join-token and --join-token-file: give one of them");

        options.joinTokenFile = null;
        options.trustBundle = null;
        assertThatThrownBy(() -> options.resolve("default", "a", NO_ENV))
                .hasMessageStartingWith("--trust-bundle: required with a join token")
                .hasMessageContaining("ca/bundle.pem");
        options.trustBundle = dir.resolve("nowhere.pem");
        assertThatThrownBy(() -> options.resolve("default", "a", NO_ENV))
                .hasMessage("--trust-bundle: " + dir.resolve("nowhere.pem") + ": no such file");
        options.trustBundle = Files.writeString(dir.resolve("not.pem"), "hello\n");
        assertThatThrownBy(() -> options.resolve("default", "a", NO_ENV))
                .hasMessageStartingWith("--trust-bundle: " + options.trustBundle + ": no CERTIFICATE PEM block found");
    }

    @Test
    void namesOfTheIdentityAreChecked() {
        options.joinToken = "t";
        options.trustDomain = "Cluster.Local";
        assertThatThrownBy(() -> options.resolve("default", "a", NO_ENV))
                .hasMessageStartingWith("--trust-domain: trust domain \"Cluster.Local\"")
                .hasMessageContaining("lower-case");
        options.trustDomain = "cluster.local";
        options.serviceAccount = "a/b";
        assertThatThrownBy(() -> options.resolve("default", "a", NO_ENV))
                .hasMessageStartingWith("--service-account: the service account \"a/b\" has '/'");
    }

    @Test
    void insecureHasNoIdentityAndTakesNoIdentityOptions() {
        options.insecure = true;
        options.trustBundle = null;
        assertThat(options.resolve("default", "a", Map.of(SidecarIdentityOptions.TOKEN_ENV, "ignored")::get))
                .isNull();

        options.joinToken = "t";
        assertThatThrownBy(() -> options.resolve("default", "a", NO_ENV))
                .hasMessage("--insecure runs the sidecar without an identity; it does not go with --join-token");
    }

    @Test
    void theCommandExitsWith2AndTheMessage() {
        StringWriter err = new StringWriter();
        CommandLine cl = Weft.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));

        int code = cl.execute("proxy", "--control-plane", "127.0.0.1:1", "--service", "cart", "--namespace", "shop",
                "--join-token", "t", "--trust-bundle", dir.resolve("nowhere.pem").toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("weft proxy: --trust-bundle: " + dir.resolve("nowhere.pem")
                + ": no such file");

        cl = Weft.commandLine();
        cl.setErr(new PrintWriter(err, true));
        code = cl.execute("proxy", "--config", "x.yaml", "--insecure");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("are sidecar options");
    }
}
