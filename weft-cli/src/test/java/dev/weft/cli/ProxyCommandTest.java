package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.weft.testkit.Ports;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code weft proxy}: how it reports bad configs and failed starts, with exit codes and messages. */
class ProxyCommandTest {
    /** A proxy that starts instead of failing would block the test forever; this bounds it. */
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void unsupportedFieldIsExitCode2NamingItsPath() throws Exception {
        Path config = write("bad.yaml", bootstrap(listener("main", 0), cluster("a", "") + cluster("b", "")
                + cluster("c", "    lb_policy: MAGLEV\n")));

        int code = weft("proxy", "--config", config.toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("static_resources.clusters[2].lb_policy: MAGLEV is not supported");
        assertThat(err.toString()).contains(config.toString());
    }

    @Test
    void yamlSyntaxErrorNamesTheLine() throws Exception {
        String good = bootstrap(listener("main", 0), cluster("a", ""));
        // line 5 gets an unclosed flow mapping
        String broken = good.replace("socket_address: { address: 127.0.0.1, port_value: 0 }",
                "socket_address: { address: 127.0.0.1, port_value: 0");
        assertThat(broken).isNotEqualTo(good);
        Path config = write("broken.yaml", broken);

        int code = weft("proxy", "--config", config.toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).containsPattern("line [56]\\b");
    }

    @Test
    void missingFileIsAClearError() {
        Path config = dir.resolve("nowhere.yaml");

        int code = weft("proxy", "--config", config.toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("nowhere.yaml").contains("no such file");
        assertThat(err.toString().lines()).hasSize(1);
    }

    @Test
    void validateAcceptsAGoodConfigWithoutStarting() throws Exception {
        int port = Ports.findFree();
        Path config = write("good.yaml", bootstrap(listener("main", port), cluster("a", "") + cluster("b", "")));

        int code = weft("proxy", "--config", config.toString(), "--validate");

        assertThat(code).isEqualTo(0);
        assertThat(out.toString()).contains("OK (1 listeners, 2 clusters)");
        assertThat(err.toString()).isEmpty();
        assertThat(canBind(port)).as("--validate binds nothing").isTrue();
    }

    @Test
    void theExampleBootstrapInTheReadmeIsValid() {
        // surefire runs in the module directory; the example lives at the repository root
        int code = weft("proxy", "--config", "../examples/bootstrap.yaml", "--validate");

        assertThat(code).as("stderr: %s", err).isEqualTo(0);
        assertThat(out.toString()).contains("OK (1 listeners, 2 clusters)");
    }

    @Test
    void portInUseFailsTheStartAndLeavesNothingBound() throws Exception {
        int firstPort = Ports.findFree();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Path config = write("clash.yaml", bootstrap(
                    listener("first", firstPort) + listener("second", taken.getLocalPort()), cluster("a", "")));

            int code = assertTimeoutPreemptively(BOUND, () -> weft("proxy", "--config", config.toString()));

            assertThat(code).isNotZero();
            assertThat(err.toString()).contains("listener second").contains(Integer.toString(taken.getLocalPort()));
            assertThat(canBind(firstPort)).as("the first listener's port is free again").isTrue();
        }
    }

    // ---------------------------------------------------------------- helpers

    private int weft(String... args) {
        CommandLine cli = Weft.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String bootstrap(String listeners, String clusters) {
        return "static_resources:\n  listeners:\n" + listeners + "  clusters:\n" + clusters;
    }

    private static String listener(String name, int port) {
        return """
                - name: %s
                  address:
                    socket_address: { address: 127.0.0.1, port_value: %d }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: %s
                        route_config:
                          virtual_hosts:
                          - name: all
                            domains: ["*"]
                            routes:
                            - match: { prefix: "/" }
                              route: { cluster: a }
                        http_filters:
                        - name: envoy.filters.http.router
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                """.formatted(name, port, name).indent(2);
    }

    private static String cluster(String name, String extra) {
        return """
                - name: %s
                  connect_timeout: 1s
                %s  load_assignment:
                    cluster_name: %s
                    endpoints:
                    - lb_endpoints:
                      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8000 } } }
                """.formatted(name, extra.isEmpty() ? "" : extra.substring(2), name).indent(2);
    }
}
