package dev.weft.proxy.config;

import static dev.weft.proxy.config.BootstrapLoaderTest.MINIMAL;
import static dev.weft.proxy.config.BootstrapLoaderTest.replaceOnce;
import static dev.weft.proxy.config.BootstrapLoaderTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public entry points with the real route and lb packages wired in. NEEDS THE ROUTE AND LB
 * WORK MERGED: before, RouteTable and LoadBalancers are contract stubs that throw, and these tests
 * fail. Everything else about the loader is tested without them in {@link BootstrapLoaderTest}.
 */
class BootstrapLoaderWiredTest {

    @Test
    void loadsTheFullBootstrapWithCompiledRoutes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bootstrap.yaml");
        Files.writeString(file, resource("full-bootstrap.yaml"));

        ProxySnapshot snapshot = BootstrapLoader.load(file);

        assertThat(snapshot.listeners()).allSatisfy(l -> assertThat(l.http().routes()).isNotNull());
        assertThat(snapshot.clusters()).containsOnlyKeys("chat-a", "chat-b", "embeddings");
    }

    @Test
    void maglevIsRejectedByTheLbPackageUnderTheClusterPath() {
        String yaml = replaceOnce(MINIMAL, "connect_timeout: 1s", "connect_timeout: 1s\n    lb_policy: MAGLEV");

        assertThatThrownBy(() -> BootstrapLoader.parse(yaml, "bootstrap.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("static_resources.clusters[0].lb_policy: MAGLEV")
                .extracting(e -> ((ConfigException) e).path())
                .isEqualTo("static_resources.clusters[0].lb_policy");
    }

    @Test
    void routeErrorsAreReportedUnderTheRouteConfigPath() {
        String yaml = replaceOnce(MINIMAL, "match: { prefix: \"/\" }", "match: { safe_regex: { regex: \"(\" } }");

        assertThatThrownBy(() -> BootstrapLoader.parse(yaml, "bootstrap.yaml"))
                .isInstanceOf(ConfigException.class)
                .extracting(e -> ((ConfigException) e).path())
                .asString()
                .startsWith("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config"
                        + ".virtual_hosts[0].routes[0].match.safe_regex");
    }
}
